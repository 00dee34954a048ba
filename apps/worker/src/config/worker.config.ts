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
}

/** A variable with a value the worker cannot use; the message is the one line printed at start. */
export class WorkerConfigError extends Error {
  override readonly name = 'WorkerConfigError';
}

const logLevels: readonly LevelWithSilent[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
// A prefix becomes the first part of every Redis key (`<prefix>:<queue>:…`), so it must not hold a colon.
const queuePrefixPattern = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

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
  if (!isRedisUrl(redisUrl)) fail('REDIS_URL', 'redis://host:port', redisUrl);
  const queuePrefix = read('SC_QUEUE_PREFIX') ?? DefaultQueuePrefix;
  if (!queuePrefixPattern.test(queuePrefix)) fail('SC_QUEUE_PREFIX', 'letters, digits, "_", "." or "-" (at most 64, no ":")', queuePrefix);
  const logLevel = (read('LOG_LEVEL') ?? 'info') as LevelWithSilent;
  if (!logLevels.includes(logLevel)) fail('LOG_LEVEL', `one of ${logLevels.join(', ')}`, logLevel);
  const metricsPort = integer('SC_WORKER_METRICS_PORT', 1, 65535);

  return Object.freeze({
    redisUrl,
    dataDir: resolve(read('SC_DATA_DIR') ?? './data'),
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
  });
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

function isRedisUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'redis:' || url.protocol === 'rediss:') && url.hostname !== '';
  } catch {
    return false;
  }
}
