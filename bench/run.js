// @ts-check
// `npm run bench`: measures the real orchestrator and workers (dist/) beside a raw BullMQ baseline in the
// same run, prints ONE JSON line with every figure and which targets were met, and writes a Markdown table
// (bench/results/latest.md unless --results says otherwise). See bench/README.md.
const { mkdirSync, writeFileSync } = require('node:fs');
const { dirname, join, resolve } = require('node:path');
const { setTimeout: sleep } = require('node:timers/promises');
const { parseArgs } = require('node:util');
const { measureApi } = require('./measures/api');
const { measureBaseline } = require('./measures/baseline');
const { measureCliHelp } = require('./measures/cli');
const { measureGateway } = require('./measures/gateway');
const { measureSandbox } = require('./measures/sandbox');
const { measureReplicas } = require('./measures/replicas');
const { measureLatency, measureThroughput } = require('./measures/rounds');
const { measureScaleOut } = require('./measures/scale-out');
const { measureWorktrees } = require('./measures/worktrees');
const { toMarkdown } = require('./results');
const { createStack, rssMb, sampleRss } = require('./stack');
const { round } = require('./stats');
const { evaluateTargets } = require('./targets');

/** Sizes per mode; each can be overridden by the flag of the same name. */
const presets = {
  full: {
    jobs: 5000,
    warmup: 200,
    'latency-samples': 300,
    'api-rounds': 1_000_000,
    'api-requests': 500,
    'scale-rounds-per-slot': 40,
    'cli-runs': 10,
    'gateway-calls': 2000,
    'sandbox-runs': 100,
    'repo-files': 100_000,
    'cache-files': 20_000,
    'worktree-runs': 5,
  },
  quick: {
    jobs: 1000,
    warmup: 100,
    'latency-samples': 100,
    'api-rounds': 100_000,
    'api-requests': 200,
    'scale-rounds-per-slot': 15,
    'cli-runs': 5,
    'gateway-calls': 500,
    'sandbox-runs': 40,
    'repo-files': 20_000,
    'cache-files': 5_000,
    'worktree-runs': 3,
  },
  smoke: {
    jobs: 20,
    warmup: 5,
    'latency-samples': 5,
    'api-rounds': 500,
    'api-requests': 5,
    'scale-rounds-per-slot': 2,
    'cli-runs': 1,
    'gateway-calls': 20,
    'sandbox-runs': 3,
    'repo-files': 500,
    'cache-files': 100,
    'worktree-runs': 1,
  },
};
const sizeFlags = Object.keys(presets.full);
/** The Postgres server of `--orchestrators` when PG_TEST_URL is unset. */
const defaultPostgresUrl = 'postgres://postgres@127.0.0.1:5432/postgres';

const help = `Usage: npm run bench -- [options]   (node bench/run.js [options] on a built tree)

Measures the built orchestrator and workers beside a raw BullMQ baseline in the same run and prints ONE JSON line
of figures and targets met; writes a Markdown table too (bench/README.md says what each figure is). Exit 0 once
measured, whether or not every target was met; 1 when a measure fails; 2 on a bad flag.

Options:
  --quick                a shorter run (about a fifth of the full one)
  --smoke                the smallest run: checks that every measure works, not how fast
  --concurrency N        worker concurrency of the throughput stack (default 8)
  --scale-concurrency N  concurrency of each worker in the scale-out measure (default 2)
  --in-flight N          Rounds kept submitted at once (default 64)
  --orchestrators N      also compare N orchestrator replicas (N >= 2) with one, on Postgres (PG_TEST_URL, else
                         ${defaultPostgresUrl}): throughput and submit→Report latency
  --results FILE         where the Markdown table goes (default bench/results/latest.md)
  --<size> N             one size of the chosen preset: ${sizeFlags.join(', ')}
  -h, --help             this text

Sizes (full / quick / smoke):
${sizeFlags.map((flag) => `  ${flag.padEnd(22)} ${presets.full[flag]} / ${presets.quick[flag]} / ${presets.smoke[flag]}`).join('\n')}
`;

/** The flags; `--help` prints them and exits 0, a bad one prints one line and exits 2. */
function readOptions(argv) {
  try {
    return parseOptions(argv);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)} (--help lists the flags)\n`);
    process.exit(2);
  }
}

function parseOptions(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      help: { type: 'boolean', short: 'h', default: false },
      quick: { type: 'boolean', default: false },
      smoke: { type: 'boolean', default: false },
      concurrency: { type: 'string', default: '8' },
      'scale-concurrency': { type: 'string', default: '2' },
      'in-flight': { type: 'string', default: '64' },
      orchestrators: { type: 'string' },
      results: { type: 'string', default: join(__dirname, 'results', 'latest.md') },
      ...Object.fromEntries(sizeFlags.map((flag) => [flag, { type: /** @type {const} */ ('string') }])),
    },
  });
  if (values.help) {
    process.stdout.write(help);
    process.exit(0);
  }
  const preset = presets[values.smoke ? 'smoke' : values.quick ? 'quick' : 'full'];
  const number = (flag) => {
    const value = Number(values[flag] ?? preset[flag]);
    if (!Number.isInteger(value) || value < 1)
      throw new Error(`--${flag}: expected a positive integer, got ${JSON.stringify(values[flag])}`);
    return value;
  };
  return {
    mode: values.smoke ? 'smoke' : values.quick ? 'quick' : 'full',
    sizes: Object.fromEntries(sizeFlags.map((flag) => [flag, number(flag)])),
    concurrency: number('concurrency'),
    scaleConcurrency: number('scale-concurrency'),
    inFlight: number('in-flight'),
    orchestrators: values.orchestrators === undefined ? undefined : replicaCount(values.orchestrators),
    results: resolve(values.results),
  };
}

/** `--orchestrators`: how many replicas to compare with one. */
function replicaCount(value) {
  const count = Number(value);
  if (!Number.isInteger(count) || count < 2)
    throw new Error(`--orchestrators: expected an integer of at least 2, got ${JSON.stringify(value)}`);
  return count;
}

/** The stack of throughput, latency and footprint: one orchestrator, one worker, SQLite. */
async function measureStack(options) {
  const { sizes, concurrency, inFlight } = options;
  const stack = await createStack('rounds', { type: 'sqlite' }, { SC_WORKER_CONCURRENCY: String(concurrency) });
  try {
    const orchestrator = await stack.startOrchestrator();
    const worker = await stack.startWorker();
    // Let start-up work (JIT, first timers) settle before reading idle memory.
    await sleep(1_000);
    const idle = { orchestrator_rss_mb: rssMb(orchestrator.pid), worker_rss_mb: rssMb(worker.pid) };
    const stopSampling = sampleRss([orchestrator.pid, worker.pid]);
    const throughput = await measureThroughput({
      stack,
      orchestrator,
      rounds: sizes.jobs,
      warmup: sizes.warmup,
      inFlight,
    });
    const [orchestratorPeak, workerPeak] = stopSampling();
    const latency = await measureLatency({ stack, orchestrator, samples: sizes['latency-samples'] });
    return {
      throughput,
      latency,
      footprint: {
        orchestrator_ready_ms: round(orchestrator.readyMs, 0),
        idle,
        loaded: { orchestrator_rss_mb: orchestratorPeak, worker_rss_mb: workerPeak },
      },
    };
  } finally {
    await stack.cleanup();
  }
}

async function main() {
  const options = readOptions(process.argv.slice(2));
  const { sizes, concurrency, inFlight } = options;
  const startedAt = Date.now();
  const log = (what) => process.stderr.write(`bench: ${what} (${Math.round((Date.now() - startedAt) / 1000)} s)\n`);

  log('sc --help');
  const cli = measureCliHelp({ runs: sizes['cli-runs'] });
  log('model gateway');
  const gateway = await measureGateway({ calls: sizes['gateway-calls'], warmup: sizes.warmup });
  log('agent sandbox');
  const sandbox = await measureSandbox({ runs: sizes['sandbox-runs'] });
  log(`agent start on a repository of ${sizes['repo-files']} files`);
  const worktrees = await measureWorktrees({
    files: sizes['repo-files'],
    cacheFiles: sizes['cache-files'],
    runs: sizes['worktree-runs'],
  });
  log('raw BullMQ baseline');
  const baseline = await measureBaseline({
    jobs: sizes.jobs,
    warmup: sizes.warmup,
    latencySamples: sizes['latency-samples'],
    concurrency,
    inFlight,
  });
  log('throughput, latency, footprint');
  const stack = await measureStack(options);
  log('scale-out');
  const scaleOut = await measureScaleOut({
    database: { type: 'sqlite' },
    processCounts: [1, 2, 4],
    concurrency: options.scaleConcurrency,
    roundsPerSlot: sizes['scale-rounds-per-slot'],
    inFlight,
  });
  const api = [];
  const databases = [
    { type: 'sqlite' },
    ...(process.env.PG_TEST_URL ? [{ type: 'postgres', serverUrl: process.env.PG_TEST_URL }] : []),
  ];
  for (const database of databases) {
    log(`API with ${sizes['api-rounds']} Rounds on ${database.type}`);
    api.push(await measureApi({ database, rounds: sizes['api-rounds'], requests: sizes['api-requests'] }));
  }
  let replicas;
  if (options.orchestrators) {
    log(`1 and ${options.orchestrators} orchestrators on Postgres`);
    replicas = await measureReplicas({
      serverUrl: process.env.PG_TEST_URL ?? defaultPostgresUrl,
      orchestrators: options.orchestrators,
      workers: 1,
      concurrency,
      rounds: sizes.jobs,
      warmup: sizes.warmup,
      inFlight,
      samples: sizes['latency-samples'],
    });
  }

  const figures = {
    mode: options.mode,
    node: process.version,
    concurrency,
    in_flight: inFlight,
    baseline,
    throughput: {
      ...stack.throughput,
      ratio_to_baseline: round(stack.throughput.rounds_per_s / baseline.jobs_per_s, 3),
    },
    latency: stack.latency,
    api,
    scale_out: scaleOut,
    ...(replicas ? { replicas } : {}),
    footprint: { ...stack.footprint, cli },
    gateway,
    sandbox,
    worktrees,
  };
  const result = {
    ...figures,
    targets: evaluateTargets(figures),
    duration_s: Math.round((Date.now() - startedAt) / 1000),
  };
  mkdirSync(dirname(options.results), { recursive: true });
  writeFileSync(options.results, toMarkdown(result));
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((error) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
