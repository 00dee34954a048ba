import {
  ConfigError,
  EnvReader,
  loadConfig,
  readRedisSettings,
  readS3Settings,
  type LogLevel,
  type RedisSettings,
} from '@sc/infrastructure';
import {
  loadAgentCliSettings,
  loadModelPrices,
  loadUpstreams,
  SandboxRuntime,
  type AgentCliSettings,
  type ModelPrices,
  type S3ArtifactStoreOptions,
  type Upstreams,
} from '@sc/runner';

/**
 * The worker's settings, read from the environment once at start (before Nest) and injected by this
 * class as token: `constructor(private readonly config: WorkerConfig)`.
 */
export abstract class WorkerConfig {
  /** `REDIS_URL`, or `REDIS_SENTINELS` with `REDIS_SENTINEL_MASTER`: the Redis of the queues and of cancel requests. */
  abstract readonly redis: RedisSettings;
  /** `SC_DATA_DIR`, absolute: artifacts go to `<dataDir>/artifacts`. */
  abstract readonly dataDir: string;
  /** `SC_LOG_DIR`, absolute: `<logDir>/<yyyy-mm-dd>.jsonl`. */
  abstract readonly logDir: string;
  /** `SC_PLUGINS`: extra plugin modules (names or paths), in order. */
  abstract readonly plugins: readonly string[];
  /** `SC_WORKER_CONCURRENCY`: Rounds this process runs at once. */
  abstract readonly concurrency: number;
  /** `SC_QUEUE_PREFIX`: BullMQ key prefix, so that two stacks can share one Redis. */
  abstract readonly queuePrefix: string;
  /** `SC_WORKER_METRICS_PORT`: where the worker serves `/metrics`; none when unset. */
  abstract readonly metricsPort?: number;
  /** `LOG_LEVEL`. */
  abstract readonly logLevel: LogLevel;
  /**
   * `SC_WORKER_LOCK_MS`: how long a Round's job lock lasts without renewal (renewed at half of it while the
   * Round runs), and how often stalled jobs of dead workers are looked for. BullMQ's 30 s when unset.
   */
  abstract readonly lockMs?: number;
  /**
   * `S3_ENDPOINT`, `S3_BUCKET`, `S3_REGION`: artifacts go to that bucket instead of `<dataDir>/artifacts`.
   * Credentials are not config: the AWS SDK's standard chain finds them (`AWS_ACCESS_KEY_ID`, …).
   */
  abstract readonly s3?: Readonly<Pick<S3ArtifactStoreOptions, 'endpoint' | 'bucket' | 'region'>>;
  /**
   * Where the model gateway forwards agents' calls, and with which keys: the model APIs' own variables
   * (`ANTHROPIC_BASE_URL`/`ANTHROPIC_API_KEY`, `OPENAI_BASE_URL`/`OPENAI_API_KEY`, `GOOGLE_GEMINI_BASE_URL`/`GEMINI_API_KEY`),
   * and for Codex without `OPENAI_BASE_URL` the provider of `$CODEX_HOME/config.toml` (else `~/.codex/config.toml`).
   */
  abstract readonly upstreams: Upstreams;
  /** The price table, with the models of `SC_MODEL_PRICES` in place of its own. */
  abstract readonly prices: ModelPrices;
  /** How agents are confined (`SC_AGENT_SANDBOX`, `SC_AGENT_ENV`, and whether bubblewrap works here). */
  abstract readonly sandbox: SandboxRuntime;
  /** `SC_WAIT_MIN_S` in ms: a model limit resetting at least this far away parks the Round in `waiting`. */
  abstract readonly waitMinMs: number;
  /** `SC_AGENT_LIMITS` (`anthropic=3,openai=5`): agents of a model API running at once across all workers. */
  abstract readonly agentLimits: Readonly<Partial<Record<'anthropic' | 'openai' | 'gemini', number>>>;
  /** `SC_CACHE_MAX_GB` (setup caches on this host) and `SC_PORT_COUNT` (ports per agent), for agent-cli. */
  abstract readonly agentCli: AgentCliSettings;
}

/** Reads and checks every variable the worker uses; throws a {@link ConfigError} on the first bad one. */
export function parseWorkerConfig(env: NodeJS.ProcessEnv): WorkerConfig {
  const read = new EnvReader(env);
  const metricsPort = read.integer('SC_WORKER_METRICS_PORT', 1, 65535);
  const lockMs = read.integer('SC_WORKER_LOCK_MS', 1_000, 3_600_000);
  const s3 = readS3Settings(read);
  const dataDir = read.path('SC_DATA_DIR', './data');
  const { upstreams, prices, sandbox, agentCli } = readAgentSettings(env, dataDir);

  return Object.freeze({
    redis: readRedisSettings(read),
    dataDir,
    logDir: read.path('SC_LOG_DIR', './logs'),
    plugins: Object.freeze(read.list('SC_PLUGINS')),
    concurrency: read.integer('SC_WORKER_CONCURRENCY', 1, 256) ?? 1,
    queuePrefix: read.queuePrefix(),
    logLevel: read.logLevel(),
    ...(metricsPort === undefined ? {} : { metricsPort }),
    ...(lockMs === undefined ? {} : { lockMs }),
    ...(s3 === undefined ? {} : { s3: Object.freeze(s3) }),
    upstreams,
    prices,
    sandbox,
    agentCli,
    waitMinMs: (read.integer('SC_WAIT_MIN_S', 1, 86_400) ?? 60) * 1000,
    agentLimits: readAgentLimits(read),
  });
}

/** `SC_AGENT_LIMITS`: `provider=count` pairs separated by commas, providers anthropic, openai, gemini. */
function readAgentLimits(read: EnvReader): WorkerConfig['agentLimits'] {
  const limits: Partial<Record<'anthropic' | 'openai' | 'gemini', number>> = {};
  for (const pair of read.list('SC_AGENT_LIMITS')) {
    const match = /^(anthropic|openai|gemini)=(\d{1,6})$/.exec(pair);
    if (!match || Number(match[2]) < 1)
      read.fail(
        'SC_AGENT_LIMITS',
        'provider=count pairs such as anthropic=3,openai=5 (providers anthropic, openai, gemini; counts >= 1)',
        pair,
      );
    limits[match[1] as 'anthropic' | 'openai' | 'gemini'] = Number(match[2]);
  }
  return Object.freeze(limits);
}

/** The gateway's upstreams, the prices, the sandbox and agent-cli's settings; their loaders name the variable in what they throw. */
function readAgentSettings(
  env: NodeJS.ProcessEnv,
  dataDir: string,
): Pick<WorkerConfig, 'upstreams' | 'prices' | 'sandbox' | 'agentCli'> {
  try {
    return {
      upstreams: loadUpstreams(env),
      prices: loadModelPrices(env),
      sandbox: SandboxRuntime.load(env, dataDir),
      agentCli: loadAgentCliSettings(env),
    };
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
}

/**
 * The worker's config from `process.env`. On a bad value it prints the one-line reason to stderr and exits
 * with code 2, before anything else starts.
 */
export function loadWorkerConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  return loadConfig(parseWorkerConfig, env);
}
