import { loadModelPrices, loadUpstreams, SandboxRuntime, type ModelPrices, type S3ArtifactStoreOptions, type Upstreams } from '@sc/runner';
import { DefaultQueuePrefix } from '@sc/schemas';
import { resolve } from 'node:path';
import type { LevelWithSilent } from 'pino';

/**
 * The worker's settings, read from the environment once at start (before Nest) and injected by this
 * class as token: `constructor(private readonly config: WorkerConfig)`.
 */
export abstract class WorkerConfig {
  /** `REDIS_URL`: the Redis of the queues and of cancel requests. */
  abstract readonly redisUrl: string;
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
  abstract readonly logLevel: LevelWithSilent;
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
   * (`ANTHROPIC_BASE_URL`/`ANTHROPIC_API_KEY`, `OPENAI_BASE_URL`/`OPENAI_API_KEY`, `GOOGLE_GEMINI_BASE_URL`/`GEMINI_API_KEY`).
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
}

/** A variable with a value the worker cannot use; the message is the one line printed at start. */
export class WorkerConfigError extends Error {
  override readonly name = 'WorkerConfigError';
}

const logLevels: readonly LevelWithSilent[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
// A prefix becomes the first part of every Redis key (`<prefix>:<queue>:…`), so it must not hold a colon.
const queuePrefixPattern = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
// S3's bucket naming rules (3 to 63 characters), which MinIO enforces too.
const bucketPattern = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const regionPattern = /^[a-z0-9][a-z0-9-]{0,62}$/;
/** `S3_REGION` when unset: what MinIO answers to and the SDK's signing needs some region. */
const defaultS3Region = 'us-east-1';

/** Reads and checks every variable the worker uses; throws {@link WorkerConfigError} on the first bad one. */
export function parseWorkerConfig(env: NodeJS.ProcessEnv): WorkerConfig {
  const read = (name: string) => {
    const value = env[name]?.trim();
    return value === '' ? undefined : value;
  };
  const fail = (name: string, expected: string, got: string): never => {
    throw new WorkerConfigError(`${name}: expected ${expected}, got ${JSON.stringify(got)}`);
  };
  const integer = (name: string, min: number, max: number): number | undefined => {
    const raw = read(name);
    if (raw === undefined) return undefined;
    const value = Number(raw);
    return /^\d+$/.test(raw) && value >= min && value <= max ? value : fail(name, `an integer from ${min} to ${max}`, raw);
  };

  const redisUrl = read('REDIS_URL') ?? 'redis://127.0.0.1:6379';
  if (!isRedisUrl(redisUrl)) fail('REDIS_URL', 'redis://host:port', withoutPassword(redisUrl));
  const queuePrefix = read('SC_QUEUE_PREFIX') ?? DefaultQueuePrefix;
  if (!queuePrefixPattern.test(queuePrefix)) fail('SC_QUEUE_PREFIX', 'letters, digits, "_", "." or "-" (at most 64, no ":")', queuePrefix);
  const logLevel = (read('LOG_LEVEL') ?? 'info') as LevelWithSilent;
  if (!logLevels.includes(logLevel)) fail('LOG_LEVEL', `one of ${logLevels.join(', ')}`, logLevel);
  const metricsPort = integer('SC_WORKER_METRICS_PORT', 1, 65535);
  const lockMs = integer('SC_WORKER_LOCK_MS', 1_000, 3_600_000);
  const s3 = readS3(read, fail);
  const dataDir = resolve(read('SC_DATA_DIR') ?? './data');
  const { upstreams, prices, sandbox } = readAgentSettings(env, dataDir);

  return Object.freeze({
    redisUrl,
    dataDir,
    logDir: resolve(read('SC_LOG_DIR') ?? './logs'),
    plugins: Object.freeze(
      (read('SC_PLUGINS') ?? '')
        .split(',')
        .map((entry) => entry.trim())
        .filter(Boolean),
    ),
    concurrency: integer('SC_WORKER_CONCURRENCY', 1, 256) ?? 1,
    queuePrefix,
    logLevel,
    ...(metricsPort === undefined ? {} : { metricsPort }),
    ...(lockMs === undefined ? {} : { lockMs }),
    ...(s3 === undefined ? {} : { s3: Object.freeze(s3) }),
    upstreams,
    prices,
    sandbox,
    waitMinMs: (integer('SC_WAIT_MIN_S', 1, 86_400) ?? 60) * 1000,
    agentLimits: readAgentLimits(read('SC_AGENT_LIMITS'), fail),
  });
}

/** `SC_AGENT_LIMITS`: `provider=count` pairs separated by commas, providers anthropic, openai, gemini. */
function readAgentLimits(raw: string | undefined, fail: (name: string, expected: string, got: string) => never): WorkerConfig['agentLimits'] {
  const limits: Partial<Record<'anthropic' | 'openai' | 'gemini', number>> = {};
  for (const pair of (raw ?? '').split(',').map((entry) => entry.trim()).filter(Boolean)) {
    const match = /^(anthropic|openai|gemini)=(\d{1,6})$/.exec(pair);
    if (!match || Number(match[2]) < 1) fail('SC_AGENT_LIMITS', 'provider=count pairs such as anthropic=3,openai=5 (providers anthropic, openai, gemini; counts >= 1)', pair);
    limits[match![1] as 'anthropic' | 'openai' | 'gemini'] = Number(match![2]);
  }
  return Object.freeze(limits);
}

/** The gateway's upstreams, the prices and the sandbox; their loaders name the variable in what they throw. */
function readAgentSettings(env: NodeJS.ProcessEnv, dataDir: string): Pick<WorkerConfig, 'upstreams' | 'prices' | 'sandbox'> {
  try {
    return { upstreams: loadUpstreams(env), prices: loadModelPrices(env), sandbox: SandboxRuntime.load(env, dataDir) };
  } catch (error) {
    throw new WorkerConfigError((error as Error).message);
  }
}

/** The S3 settings, or none when `S3_ENDPOINT` is unset; a bucket or region without an endpoint is a mistake. */
function readS3(read: (name: string) => string | undefined, fail: (name: string, expected: string, got: string) => never): WorkerConfig['s3'] {
  const endpoint = read('S3_ENDPOINT');
  const bucket = read('S3_BUCKET');
  const region = read('S3_REGION');
  if (endpoint === undefined) {
    if (bucket !== undefined) fail('S3_ENDPOINT', 'an http(s):// URL when S3_BUCKET is set', '');
    if (region !== undefined) fail('S3_ENDPOINT', 'an http(s):// URL when S3_REGION is set', '');
    return undefined;
  }
  if (!isHttpUrl(endpoint)) fail('S3_ENDPOINT', 'an http(s)://host[:port] URL', endpoint);
  if (bucket === undefined || !bucketPattern.test(bucket)) {
    fail('S3_BUCKET', 'a bucket name (3-63 lowercase letters, digits, "." or "-") when S3_ENDPOINT is set', bucket ?? '');
  }
  if (region !== undefined && !regionPattern.test(region)) fail('S3_REGION', 'a region name such as us-east-1', region);
  return { endpoint, bucket, region: region ?? defaultS3Region };
}

/**
 * The worker's config from `process.env`. On a bad value it prints the one-line reason to stderr and exits
 * with code 2, before anything else starts.
 */
export function loadWorkerConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  try {
    return parseWorkerConfig(env);
  } catch (error) {
    if (!(error instanceof WorkerConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

function isRedisUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'redis:' || url.protocol === 'rediss:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/**
 * `value` with the password of a `scheme://user:password@host` URL masked: a config error line is printed
 * and may be pasted into an issue, and must not carry the secret.
 */
function withoutPassword(value: string): string {
  return value.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/]*:)[^@/]*@/i, '$1***@');
}
