import { loadModelPrices, type ModelPrices } from '@sc/runner';
import { DefaultQueuePrefix } from '@sc/schemas';
import { resolve } from 'node:path';
import { readGitHubConfig, type GitHubConfig } from '../github/github.config';

/** Where the orchestrator keeps its data: a SQLite file (the default) or a Postgres database. */
export type DatabaseConfig = { type: 'sqlite'; path: string } | { type: 'postgres'; url: string };

/** Pino's level names, as `LOG_LEVEL` accepts them. */
export const LogLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LogLevels)[number];

/** Everything the orchestrator reads from its environment, checked once at start. */
export interface OrchestratorConfig {
  port: number;
  redisUrl: string;
  database: DatabaseConfig;
  dataDir: string;
  logDir: string;
  /** When set, every route but the open ones needs `Authorization: Bearer <apiToken>`. */
  apiToken?: string;
  queuePrefix: string;
  /** Extra plugin modules (`SC_PLUGINS`), so the API knows every plugin name a worker can run. */
  plugins: string[];
  logLevel: LogLevel;
  /** `SC_REAPER_INTERVAL_MS`: how often the reaper looks for running Rounds whose job is gone. */
  reaperIntervalMs: number;
  /** `SC_REAPER_GRACE_MS`: how long a Round must have been unchanged before the reaper may end it. */
  reaperGraceMs: number;
  /** `GITHUB_*`: the GitHub webhook and bot; a missing or wrong value turns only this feature off. */
  github: GitHubConfig;
  /** The price table (`SC_MODEL_PRICES` overrides it): a cost budget needs a price for every agent's model. */
  prices: ModelPrices;
}

/** Nest injection token of the {@link OrchestratorConfig}. */
export const ORCHESTRATOR_CONFIG = Symbol('OrchestratorConfig');

/** A variable with a value the orchestrator cannot start with; the message is the one line printed. */
export class ConfigError extends Error {
  constructor(variable: string, expected: string, value: string) {
    super(`${variable}: expected ${expected}, got ${JSON.stringify(value)}`);
    this.name = 'ConfigError';
  }
}

// Redis keys are `<prefix>:<queue>:…`; a colon or a space in the prefix would make them ambiguous.
const queuePrefixPattern = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** Reads and checks the environment; throws {@link ConfigError} on the first bad value. */
export function readOrchestratorConfig(env: NodeJS.ProcessEnv): OrchestratorConfig {
  const dataDir = resolve(nonEmpty(env, 'SC_DATA_DIR') ?? './data');
  const apiToken = nonEmpty(env, 'SC_API_TOKEN');
  const config: OrchestratorConfig = {
    port: readPort(env),
    redisUrl: readRedisUrl(env),
    database: readDatabase(env, dataDir),
    dataDir,
    logDir: resolve(nonEmpty(env, 'SC_LOG_DIR') ?? './logs'),
    queuePrefix: readQueuePrefix(env),
    plugins: readList(env, 'SC_PLUGINS'),
    logLevel: readLogLevel(env),
    reaperIntervalMs: readMilliseconds(env, 'SC_REAPER_INTERVAL_MS', 60_000),
    reaperGraceMs: readMilliseconds(env, 'SC_REAPER_GRACE_MS', 5 * 60_000),
    github: readGitHubConfig(env),
    prices: readPrices(env),
    ...(apiToken === undefined ? {} : { apiToken }),
  };
  return Object.freeze({ ...config, database: Object.freeze(config.database), github: Object.freeze(config.github), plugins: Object.freeze(config.plugins) as string[] });
}

function readPrices(env: NodeJS.ProcessEnv): ModelPrices {
  try {
    return loadModelPrices(env);
  } catch (error) {
    const detail = (error as Error).message.replace(/^SC_MODEL_PRICES: /, '');
    throw new ConfigError('SC_MODEL_PRICES', `a JSON file of prices per million tokens (${detail})`, env.SC_MODEL_PRICES ?? '');
  }
}

/**
 * The config of this process. On a bad value it prints one line on stderr and exits with code 2, before
 * Nest starts: a wrong setting is a usage error, not a crash worth a stack trace.
 */
export function loadOrchestratorConfig(env: NodeJS.ProcessEnv = process.env): OrchestratorConfig {
  try {
    return readOrchestratorConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
}

function nonEmpty(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function readPort(env: NodeJS.ProcessEnv): number {
  const raw = nonEmpty(env, 'PORT');
  if (raw === undefined) return 3000;
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port < 1 || port > 65535) throw new ConfigError('PORT', 'a port number 1..65535', raw);
  return port;
}

function readRedisUrl(env: NodeJS.ProcessEnv): string {
  const raw = nonEmpty(env, 'REDIS_URL') ?? 'redis://127.0.0.1:6379';
  const url = parseUrl(raw);
  if (!url || !['redis:', 'rediss:'].includes(url.protocol) || !url.hostname) {
    throw new ConfigError('REDIS_URL', 'redis://[user:password@]host:port', withoutPassword(raw));
  }
  return raw;
}

function readDatabase(env: NodeJS.ProcessEnv, dataDir: string): DatabaseConfig {
  const raw = nonEmpty(env, 'DATABASE_URL');
  if (raw === undefined) return { type: 'sqlite', path: resolve(dataDir, 'sc.sqlite') };
  const url = parseUrl(raw);
  if (!url || !['postgres:', 'postgresql:'].includes(url.protocol) || !url.hostname) {
    throw new ConfigError('DATABASE_URL', 'postgres://user:password@host:port/database (unset for SQLite)', withoutPassword(raw));
  }
  return { type: 'postgres', url: raw };
}

function readQueuePrefix(env: NodeJS.ProcessEnv): string {
  const raw = nonEmpty(env, 'SC_QUEUE_PREFIX') ?? DefaultQueuePrefix;
  if (!queuePrefixPattern.test(raw)) throw new ConfigError('SC_QUEUE_PREFIX', `letters, digits, "_", "." or "-" (${queuePrefixPattern.source})`, raw);
  return raw;
}

function readList(env: NodeJS.ProcessEnv, name: string): string[] {
  return (nonEmpty(env, name) ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
}

function readLogLevel(env: NodeJS.ProcessEnv): LogLevel {
  const raw = nonEmpty(env, 'LOG_LEVEL') ?? 'info';
  if (!(LogLevels as readonly string[]).includes(raw)) throw new ConfigError('LOG_LEVEL', `one of ${LogLevels.join(', ')}`, raw);
  return raw as LogLevel;
}

/** A duration in milliseconds, from 100 ms to one day. */
function readMilliseconds(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = nonEmpty(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < 100 || value > 86_400_000) throw new ConfigError(name, 'milliseconds from 100 to 86400000', raw);
  return value;
}

function parseUrl(raw: string): URL | undefined {
  try {
    return new URL(raw);
  } catch {
    return undefined;
  }
}

/**
 * `value` with the password of a `scheme://user:password@host` URL masked: a config error line is printed
 * and may be pasted into an issue, and must not carry the secret.
 */
function withoutPassword(value: string): string {
  return value.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/]*:)[^@/]*@/i, '$1***@');
}
