// @ts-check
// The real processes the bench measures: the built orchestrator and workers (dist/), on the machine's Redis
// under a private queue prefix, with SQLite in a temp folder or a fresh Postgres database. Plain CommonJS so
// the bench needs no build step of its own; test/support/local-stack.ts is the TypeScript twin for jest.
const { spawn } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const { mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } = require('node:fs');
const { createServer } = require('node:net');
const { tmpdir } = require('node:os');
const { join, resolve } = require('node:path');
const { performance } = require('node:perf_hooks');
const { clearInterval, clearTimeout, setInterval, setTimeout } = require('node:timers');
const { setTimeout: sleep } = require('node:timers/promises');
const { URL } = require('node:url');
const { Client } = require('pg');
const { createApiClient } = require('./api-client');
const { deleteKeys } = require('./redis-connection');

const repoRoot = resolve(__dirname, '..');
const orchestratorMain = join(repoRoot, 'dist', 'apps', 'orchestrator', 'src', 'main.js');
const workerMain = join(repoRoot, 'dist', 'apps', 'worker', 'src', 'main.js');
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
// Extra node flags for the measured processes, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` (not allowed in NODE_OPTIONS).
const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);

// Folders are removed when the bench exits, not when their stack stops: deleting tens of thousands of files
// left file creation on this machine's ext4 (mounted with `discard`) several times slower for minutes, which
// would charge one measure for the one before it (bench/README.md).
const foldersToRemove = new Set();
process.once('exit', () => foldersToRemove.forEach((folder) => rmSync(folder, { recursive: true, force: true })));

/** A private folder and queue prefix for one stack; `cleanup` has the folder removed when the bench exits. */
function createStackDir(name) {
  const root = mkdtempSync(join(tmpdir(), `sc-bench-${name}-`));
  const queuePrefix = `sc-bench-${randomBytes(4).toString('hex')}`;
  return { root, queuePrefix, cleanup: () => foldersToRemove.add(root) };
}

/** A free TCP port on loopback. */
function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/**
 * Starts `node <main>`; its output goes to a file (the bench never parses the hot-path logs, so it costs the
 * measured processes no pipe back-pressure and the bench no CPU).
 */
function startProcess(main, env, logFile) {
  const out = openSync(logFile, 'a');
  const child = spawn(process.execPath, [...nodeArgs, main], { env, cwd: repoRoot, stdio: ['ignore', out, out] });
  const exited = new Promise((resolveExit) => child.once('exit', () => resolveExit(undefined)));
  const isRunning = () => child.exitCode === null && child.signalCode === null;
  return {
    child,
    pid: /** @type {number} */ (child.pid),
    output: () => readFileSync(logFile, 'utf8'),
    isRunning,
    /** SIGTERM, SIGKILL after 10 s; resolves when the process is gone. */
    async stop() {
      if (!isRunning()) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Polls `probe` every `intervalMs` until it is truthy; throws after `timeoutMs`. */
async function until(probe, what, timeoutMs = 30_000, intervalMs = 5) {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/**
 * A stack environment: `database` is `{ type: 'sqlite' }` or `{ type: 'postgres', serverUrl }` (a fresh
 * database is created on that server and dropped by `cleanup`).
 */
async function createStack(name, database, extraEnv = {}) {
  const dir = createStackDir(name);
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'production',
    REDIS_URL: redisUrl,
    SC_DATA_DIR: join(dir.root, 'data'),
    SC_LOG_DIR: join(dir.root, 'logs'),
    SC_QUEUE_PREFIX: dir.queuePrefix,
    ...extraEnv,
  };
  mkdirSync(env.SC_DATA_DIR, { recursive: true });
  let dropDatabase = async () => undefined;
  if (database.type === 'postgres') {
    const created = await createPostgresDatabase(database.serverUrl);
    env.DATABASE_URL = created.url;
    dropDatabase = created.drop;
  }
  const processes = [];
  let orchestratorCount = 0;
  let workerCount = 0;
  return {
    env,
    queuePrefix: dir.queuePrefix,
    database: database.type,
    databaseUrl: env.DATABASE_URL,
    sqlitePath: join(env.SC_DATA_DIR, 'sc.sqlite'),
    /**
     * Starts an orchestrator and resolves once `GET /health` answers 200, with the time that took. Each call
     * starts one more replica (Postgres only: SQLite is one process's file); await each before the next, so
     * that the migrations run once, not in two processes at the same time.
     */
    async startOrchestrator() {
      const port = await freePort();
      const startedAt = performance.now();
      const logFile = join(
        dir.root,
        ++orchestratorCount === 1 ? 'orchestrator.log' : `orchestrator-${orchestratorCount}.log`,
      );
      const proc = startProcess(orchestratorMain, { ...env, PORT: String(port) }, logFile);
      processes.push(proc);
      const url = `http://127.0.0.1:${port}`;
      const probe = createApiClient(url, 1);
      await until(async () => {
        if (!proc.isRunning()) throw new Error(`orchestrator exited:\n${proc.output()}`);
        const res = await probe.request('GET', '/health').catch(() => undefined);
        return res?.status === 200;
      }, 'orchestrator /health');
      const readyMs = performance.now() - startedAt;
      probe.close();
      return { ...proc, url, readyMs };
    },
    /** Starts a worker and resolves once it logged `worker ready`. */
    async startWorker(extra = {}) {
      const proc = startProcess(workerMain, { ...env, ...extra }, join(dir.root, `worker-${++workerCount}.log`));
      processes.push(proc);
      await until(() => {
        if (!proc.isRunning()) throw new Error(`worker exited:\n${proc.output()}`);
        return proc.output().includes('"msg":"worker ready"');
      }, 'worker ready');
      return proc;
    },
    /** Stops every process, drops the database and the queue keys, removes the folder. */
    async cleanup() {
      await Promise.all(processes.map((proc) => proc.stop()));
      await dropDatabase();
      await deleteKeys(redisUrl, dir.queuePrefix);
      dir.cleanup();
    },
  };
}

/** Creates `sc_bench_<random>` on a Postgres server; `drop` removes it. */
async function createPostgresDatabase(serverUrl) {
  const name = `sc_bench_${randomBytes(6).toString('hex')}`;
  await withPostgres(serverUrl, (client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => withPostgres(serverUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)),
  };
}

async function withPostgres(url, work) {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Resident set size of a process in MB, from /proc/<pid>/status (VmRSS). */
function rssMb(pid) {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Math.round(Number(match[1]) / 102.4) / 10 : NaN;
}

/** Samples the RSS of `pids` every 100 ms until `stop()`, which returns the peak of each. */
function sampleRss(pids) {
  const peaks = pids.map(() => 0);
  const timer = setInterval(() => pids.forEach((pid, i) => (peaks[i] = Math.max(peaks[i], rssMb(pid)))), 100);
  return () => {
    clearInterval(timer);
    pids.forEach((pid, i) => (peaks[i] = Math.max(peaks[i], rssMb(pid))));
    return peaks;
  };
}

module.exports = { createStack, createStackDir, redisUrl, repoRoot, rssMb, sampleRss, until, withPostgres };
