import {
  EnvReader,
  loadConfig,
  readRedisSettings,
  readS3Settings,
  type LogLevel,
  type RedisSettings,
  type S3Settings,
} from '@sc/infrastructure';
import { loadModelPrices, type ModelPrices } from '@sc/runner';
import { resolve } from 'node:path';
import { isNotifyUrl } from '@sc/schemas';
import { readGitHubConfig, type GitHubConfig } from '../github/github.config';

/** Where the orchestrator keeps its data: a SQLite file (the default) or a Postgres database. */
export type DatabaseConfig = { type: 'sqlite'; path: string } | { type: 'postgres'; url: string };

/** Everything the orchestrator reads from its environment, checked once at start. */
export interface OrchestratorConfig {
  port: number;
  /** `REDIS_URL`, or `REDIS_SENTINELS` with `REDIS_SENTINEL_MASTER`. */
  redis: RedisSettings;
  database: DatabaseConfig;
  dataDir: string;
  logDir: string;
  /** When set, every route but the open ones needs `Authorization: Bearer <apiToken>`. */
  apiToken?: string;
  queuePrefix: string;
  /** Extra plugin modules (`SC_PLUGINS`), so the API knows every plugin name a worker can run. */
  plugins: string[];
  logLevel: LogLevel;
  /** `SC_REAPER_INTERVAL_MS`: how often the reaper looks for running Rounds whose job is gone, and for reviews past their timeout. */
  reaperIntervalMs: number;
  /** `SC_REAPER_GRACE_MS`: how long a Round must have been unchanged before the reaper may end it. */
  reaperGraceMs: number;
  /** `GITHUB_*`: the GitHub webhook and bot; a missing or wrong value turns only this feature off. */
  github: GitHubConfig;
  /** `SC_PR_FIX_LIMIT`: attempts the PR loop starts on its own (reviews, failed checks) per pull request. */
  prFixLimit: number;
  /** `S3_*`: the bucket workers store artifacts in (the review diffs are read from there); unset: `<dataDir>/artifacts`. */
  s3?: S3Settings;
  /** `SC_NOTIFY_URLS` (http(s) URLs told of every Round's end, wait and review) and `SC_NOTIFY_SECRET` (signs them). */
  notify: { urls: readonly string[]; secret?: string };
  /** The price table (`SC_MODEL_PRICES` overrides it): a cost budget needs a price for every agent's model. */
  prices: ModelPrices;
}

/** Nest injection token of the {@link OrchestratorConfig}. */
export const ORCHESTRATOR_CONFIG = Symbol('OrchestratorConfig');

/** Reads and checks the environment; throws a ConfigError on the first bad value. */
export function readOrchestratorConfig(env: NodeJS.ProcessEnv): OrchestratorConfig {
  const read = new EnvReader(env);
  const dataDir = read.path('SC_DATA_DIR', './data');
  const apiToken = read.string('SC_API_TOKEN');
  const s3 = readS3Settings(read);
  const database = read.url(
    'DATABASE_URL',
    ['postgres:', 'postgresql:'],
    'postgres://user:password@host:port/database (unset for SQLite)',
  );
  const config: OrchestratorConfig = {
    port: read.integer('PORT', 1, 65535) ?? 3000,
    redis: readRedisSettings(read),
    database:
      database === undefined
        ? { type: 'sqlite', path: resolve(dataDir, 'sc.sqlite') }
        : { type: 'postgres', url: database },
    dataDir,
    logDir: read.path('SC_LOG_DIR', './logs'),
    queuePrefix: read.queuePrefix(),
    plugins: read.list('SC_PLUGINS'),
    logLevel: read.logLevel(),
    // Durations in milliseconds, from 100 ms to one day.
    reaperIntervalMs: read.integer('SC_REAPER_INTERVAL_MS', 100, 86_400_000) ?? 60_000,
    reaperGraceMs: read.integer('SC_REAPER_GRACE_MS', 100, 86_400_000) ?? 5 * 60_000,
    github: readGitHubConfig(env),
    prFixLimit: read.integer('SC_PR_FIX_LIMIT', 0, 100) ?? 3,
    notify: readNotify(read),
    prices: readPrices(env),
    ...(apiToken === undefined ? {} : { apiToken }),
    ...(s3 === undefined ? {} : { s3: Object.freeze(s3) }),
  };
  return Object.freeze({
    ...config,
    database: Object.freeze(config.database),
    github: Object.freeze(config.github),
    plugins: Object.freeze(config.plugins) as string[],
  });
}

function readNotify(read: EnvReader): OrchestratorConfig['notify'] {
  const urls = read.list('SC_NOTIFY_URLS');
  for (const url of urls)
    if (!isNotifyUrl(url)) read.fail('SC_NOTIFY_URLS', 'comma-separated http(s) URLs without credentials', url);
  const secret = read.string('SC_NOTIFY_SECRET');
  return Object.freeze({ urls: Object.freeze(urls), ...(secret === undefined ? {} : { secret }) });
}

function readPrices(env: NodeJS.ProcessEnv): ModelPrices {
  try {
    return loadModelPrices(env);
  } catch (error) {
    const detail = (error as Error).message.replace(/^SC_MODEL_PRICES: /, '');
    return new EnvReader(env).fail(
      'SC_MODEL_PRICES',
      `a JSON file of prices per million tokens (${detail})`,
      env.SC_MODEL_PRICES ?? '',
    );
  }
}

/**
 * The config of this process. On a bad value it prints one line on stderr and exits with code 2, before
 * Nest starts: a wrong setting is a usage error, not a crash worth a stack trace.
 */
export function loadOrchestratorConfig(env: NodeJS.ProcessEnv = process.env): OrchestratorConfig {
  return loadConfig(readOrchestratorConfig, env);
}
