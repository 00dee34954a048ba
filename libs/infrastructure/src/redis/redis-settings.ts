import type { EnvReader } from '../env/env-reader';

/** A Redis Sentinel's address. */
export interface SentinelAddress {
  host: string;
  port: number;
}

/**
 * Where the Redis of the queues is: one server (`REDIS_URL`), or the master a group of Sentinels names
 * (`REDIS_SENTINELS` with `REDIS_SENTINEL_MASTER`), followed to the replica they promote when it fails.
 */
export type RedisSettings =
  | { url: string }
  | {
      sentinels: readonly SentinelAddress[];
      /** The master's name in the Sentinels' configuration (`sentinel monitor <name> …`). */
      master: string;
      /** `REDIS_USERNAME` / `REDIS_PASSWORD`: the master's and replicas' credentials. */
      username?: string;
      password?: string;
      /** `REDIS_SENTINEL_PASSWORD`: the Sentinels' own `requirepass`, when they have one. */
      sentinelPassword?: string;
    };

/** Whether Redis is found through Sentinel, and may therefore fail over to a replica. */
export function isSentinelRedis(
  settings: RedisSettings,
): settings is Extract<RedisSettings, { sentinels: readonly SentinelAddress[] }> {
  return 'sentinels' in settings;
}

const defaultRedisUrl = 'redis://127.0.0.1:6379';
const sentinelAddressPattern = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;

/**
 * `REDIS_URL` (`redis://127.0.0.1:6379` when unset), or `REDIS_SENTINELS` (`host:port,…`) with
 * `REDIS_SENTINEL_MASTER`; setting both ways at once is refused, since one of them would be ignored.
 */
export function readRedisSettings(read: EnvReader): RedisSettings {
  const sentinels = read.list('REDIS_SENTINELS');
  const master = read.string('REDIS_SENTINEL_MASTER');
  const url = read.url('REDIS_URL', ['redis:', 'rediss:'], 'redis://[user:password@]host:port');
  if (sentinels.length === 0) {
    if (master !== undefined) read.fail('REDIS_SENTINELS', 'host:port,… when REDIS_SENTINEL_MASTER is set', '');
    for (const name of ['REDIS_USERNAME', 'REDIS_PASSWORD', 'REDIS_SENTINEL_PASSWORD'])
      if (read.string(name) !== undefined)
        read.fail(name, 'to be unset without REDIS_SENTINELS (REDIS_URL carries its own password)', '***');
    return { url: url ?? defaultRedisUrl };
  }
  if (url !== undefined) read.fail('REDIS_URL', 'to be unset when REDIS_SENTINELS is set (one or the other)', url);
  if (master === undefined) read.fail('REDIS_SENTINEL_MASTER', 'the master name the Sentinels monitor', '');
  const username = read.string('REDIS_USERNAME');
  const password = read.string('REDIS_PASSWORD');
  const sentinelPassword = read.string('REDIS_SENTINEL_PASSWORD');
  return {
    sentinels: sentinels.map((entry) => parseSentinel(read, entry)),
    master,
    ...(username === undefined ? {} : { username }),
    ...(password === undefined ? {} : { password }),
    ...(sentinelPassword === undefined ? {} : { sentinelPassword }),
  };
}

function parseSentinel(read: EnvReader, entry: string): SentinelAddress {
  const match = sentinelAddressPattern.exec(entry);
  const port = Number(match?.[2]);
  if (!match || port < 1 || port > 65535) return read.fail('REDIS_SENTINELS', 'host:port,…', entry);
  return { host: match[1].replace(/^\[|\]$/g, ''), port };
}

/** Where Redis is, for logs and `sc doctor`: never a password. */
export function describeRedis(settings: RedisSettings): string {
  if (!isSentinelRedis(settings)) {
    const url = new URL(settings.url);
    url.password = '';
    url.username = '';
    return url.toString().replace(/\/$/, '');
  }
  const sentinels = settings.sentinels.map(({ host, port }) => `${host}:${port}`).join(',');
  return `sentinel master "${settings.master}" via ${sentinels}`;
}
