// @ts-check
// `npm run chaos`: runs Rounds on the built stack while breaking it — SIGKILL and restart of workers, restart
// of the orchestrator, restart of a private Redis (its own redis-server on a spare port, append-only file
// fsynced on every write, never the machine's shared one) — then lets it settle and checks the promise of
// issue 7: every Round terminal, exactly one Report for its final attempt, nothing lost. Prints ONE JSON
// line with what it did and found; exit 1 when an invariant fails, 2 on bad flags. Its flags: `--help`.
const { spawn } = require('node:child_process');
const { once } = require('node:events');
const { mkdtempSync, rmSync } = require('node:fs');
const { createServer } = require('node:net');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { setTimeout: sleep } = require('node:timers/promises');
const { parseArgs } = require('node:util');
const Database = require('better-sqlite3');
const { Client } = require('pg');
const { createApiClient } = require('./api-client');
const { createStack, until } = require('./stack');

const waitPlugin = join(__dirname, 'fixtures', 'wait.plugin.js');
const terminalStates = new Set(['succeeded', 'failed', 'timed_out', 'cancelled', 'error']);

const help = `Usage: npm run chaos -- [options]   (node bench/chaos.js [options] on a built tree)

Runs Rounds on the built stack while breaking it: SIGKILL and restart of workers, restart of the orchestrator,
restart of a private Redis. Then lets it settle and checks that every Round ended, with exactly one Report for
its final attempt, and no submit was lost. Prints one JSON line; exit 0 when every check holds, 1 when one
fails, 2 on a bad flag. SQLite by default; with PG_TEST_URL set, a fresh database on that Postgres server.

Options:
  --rounds N         Rounds to submit, spread over the first half of the run (1 to 10000; default 30)
  --duration-ms MS   how long to break things before letting it settle (1000 to 3600000; default 30000)
  --workers N        worker processes (1 to 16; default 2)
  --seed N           seed of every random choice; a failing run replays with its seed (default: from the clock)
  -h, --help         this text

A short run (about 12 s of breaking, then the settling): npm run chaos -- --rounds 10 --duration-ms 12000
`;

/** The flags; `--help` prints them and exits 0, a bad one prints one line and exits 2. */
function readOptions(argv) {
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        rounds: { type: 'string', default: '30' },
        'duration-ms': { type: 'string', default: '30000' },
        workers: { type: 'string', default: '2' },
        seed: { type: 'string', default: String(Date.now() % 100_000) },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
    if (values.help) {
      process.stdout.write(help);
      process.exit(0);
    }
    const number = (name, min, max) => {
      const value = Number(values[name]);
      if (!Number.isInteger(value) || value < min || value > max)
        throw new Error(`--${name}: expected an integer from ${min} to ${max}, got "${values[name]}"`);
      return value;
    };
    return {
      rounds: number('rounds', 1, 10_000),
      durationMs: number('duration-ms', 1_000, 3_600_000),
      workers: number('workers', 1, 16),
      seed: number('seed', 0, 2 ** 31),
    };
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)} (--help lists the flags)\n`);
    process.exit(2);
  }
}

/** A small seeded generator (mulberry32), so a failing run can be replayed with its `--seed`. */
function createRandom(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/**
 * A redis-server of this run only. `appendfsync always`: a write is on disk before Redis answers, so a
 * SIGKILL loses nothing acknowledged — the durability a production Redis for Solar Circuit must be given.
 */
function createPrivateRedis(port, dir) {
  let child;
  return {
    url: `redis://127.0.0.1:${port}`,
    async start() {
      child = spawn(
        'redis-server',
        [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--dir',
          dir,
          '--save',
          '',
          '--appendonly',
          'yes',
          '--appendfsync',
          'always',
        ],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let output = '';
      child.stdout?.on('data', (chunk) => (output += chunk.toString()));
      child.on('error', (error) => (output += `\n${error.message}`));
      await until(
        () => {
          if (child.exitCode !== null || /ENOENT/.test(output))
            throw new Error(`redis-server did not start: ${output.trim().split('\n').pop()}`);
          return output.includes('Ready to accept connections');
        },
        'redis-server ready',
        15_000,
        20,
      );
    },
    async kill() {
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await once(child, 'exit');
    },
  };
}

/** Reports stored per Round and attempt, read from the database itself (the API shows only the latest). */
async function countReports(stack) {
  const sql = 'SELECT round_id, attempt, COUNT(*) AS n FROM reports GROUP BY round_id, attempt';
  if (stack.database === 'sqlite') {
    const db = new Database(stack.sqlitePath, { readonly: true, fileMustExist: true });
    try {
      return /** @type {{ round_id: string; attempt: number; n: number }[]} */ (db.prepare(sql).all());
    } finally {
      db.close();
    }
  }
  const client = new Client({ connectionString: stack.databaseUrl });
  await client.connect();
  try {
    return (await client.query(sql)).rows.map((row) => ({
      round_id: row.round_id,
      attempt: Number(row.attempt),
      n: Number(row.n),
    }));
  } finally {
    await client.end();
  }
}

/** Retries `work` while the stack is being broken (a restarting orchestrator refuses connections). */
async function persist(work, what) {
  return until(() => work().catch(() => undefined), what, 60_000, 200);
}

async function main() {
  const options = readOptions(process.argv.slice(2));
  const random = createRandom(options.seed);
  const redisDir = mkdtempSync(join(tmpdir(), 'sc-chaos-redis-'));
  const redis = createPrivateRedis(await freePort(), redisDir);
  await redis.start();
  const database = process.env.PG_TEST_URL
    ? { type: 'postgres', serverUrl: process.env.PG_TEST_URL }
    : { type: 'sqlite' };
  // Short locks and a quick reaper so that a run of seconds sees crashed Rounds handed on and orphans ended.
  const stack = await createStack('chaos', database, {
    REDIS_URL: redis.url,
    SC_PLUGINS: waitPlugin,
    SC_WORKER_LOCK_MS: '1500',
    SC_REAPER_INTERVAL_MS: '1000',
    SC_REAPER_GRACE_MS: '15000',
  });
  const did = { rounds: options.rounds, worker_kills: 0, orchestrator_restarts: 0, redis_restarts: 0 };
  const found = {
    terminal: 0,
    not_terminal: [],
    states: /** @type {Record<string, number>} */ ({}),
    missing_report: [],
    duplicate_reports: [],
    lost_submits: 0,
  };
  let api;
  try {
    let orchestrator = await stack.startOrchestrator();
    api = createApiClient(orchestrator.url, 8);
    const workers = [];
    for (let i = 0; i < options.workers; i++) workers.push(await stack.startWorker());

    const roundIds = [];
    const deadline = Date.now() + options.durationMs;
    // Submits are spread over the first half of the run, so some land while things are broken.
    const submitEvery = options.durationMs / 2 / options.rounds;
    let nextSubmit = Date.now();
    let nextChaos = Date.now() + 500;
    while (Date.now() < deadline || roundIds.length < options.rounds) {
      if (roundIds.length < options.rounds && Date.now() >= nextSubmit) {
        const order = {
          title: `chaos ${roundIds.length}`,
          instructions: 'Wait.',
          plugin: 'wait',
          phases: ['coding'],
          params: { wait_ms: 200 + Math.floor(random() * 1_500) },
        };
        const client = api;
        const answer = await persist(() => client.submit(order), 'a submit');
        roundIds.push(answer.round_id);
        nextSubmit += submitEvery;
      }
      if (Date.now() >= nextChaos && Date.now() < deadline) {
        const pick = random();
        if (pick < 0.5) {
          const index = Math.floor(random() * workers.length);
          workers[index].child.kill('SIGKILL');
          await once(workers[index].child, 'exit').catch(() => undefined);
          workers[index] = await stack.startWorker();
          did.worker_kills++;
        } else if (pick < 0.75) {
          await orchestrator.stop();
          api.close();
          orchestrator = await stack.startOrchestrator();
          api = createApiClient(orchestrator.url, 8);
          did.orchestrator_restarts++;
        } else {
          await redis.kill();
          await redis.start();
          did.redis_restarts++;
        }
        nextChaos = Date.now() + 500 + random() * 1_500;
      }
      await sleep(20);
    }

    // Settle: everything up, every Round ends (a stalled job needs one lock period to be handed on).
    const client = api;
    const ended = new Map();
    // What a Round that never ends was last seen as: the state and the last transition say where it stuck.
    const lastSeen = new Map();
    await until(
      async () => {
        for (const id of roundIds) {
          if (ended.has(id)) continue;
          const round = await client.get(`/rounds/${id}`).catch(() => undefined);
          if (round) lastSeen.set(id, `${round.state} (${round.transitions?.at(-1)?.reason ?? 'no transition'})`);
          if (round && terminalStates.has(round.state)) ended.set(id, round);
        }
        return ended.size === roundIds.length;
      },
      'every Round terminal',
      60_000,
      250,
    ).catch(() => undefined);

    const reports = await countReports(stack);
    for (const id of roundIds) {
      const round = ended.get(id);
      if (!round) {
        found.not_terminal.push(`${id}: ${lastSeen.get(id) ?? 'never read'}`);
        continue;
      }
      found.terminal++;
      found.states[round.state] = (found.states[round.state] ?? 0) + 1;
      const final = reports.find((row) => row.round_id === id && Number(row.attempt) === round.attempt);
      if (!final) found.missing_report.push(id);
      else if (Number(final.n) !== 1) found.duplicate_reports.push(id);
    }
    found.lost_submits = options.rounds - roundIds.length;
  } finally {
    api?.close();
    await stack.cleanup();
    await redis.kill();
    rmSync(redisDir, { recursive: true, force: true });
  }
  const isOk =
    found.not_terminal.length === 0 &&
    found.missing_report.length === 0 &&
    found.duplicate_reports.length === 0 &&
    found.lost_submits === 0;
  process.stdout.write(
    `${JSON.stringify({ ok: isOk, seed: options.seed, duration_ms: options.durationMs, did, found })}\n`,
  );
  process.exitCode = isOk ? 0 : 1;
}

main().catch((error) => {
  process.stdout.write(
    `${JSON.stringify({ ok: false, error: error instanceof Error ? error.message : String(error) })}\n`,
  );
  process.exitCode = 1;
});
