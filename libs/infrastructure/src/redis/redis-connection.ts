import type { RedisOptions } from 'bullmq';
import { isSentinelRedis, type RedisSettings } from './redis-settings';

/**
 * ioredis options for {@link RedisSettings}. `maxRetriesPerRequest: null` is what BullMQ requires for its
 * workers' blocking commands, and lets every other command wait through an outage instead of failing.
 *
 * Through Sentinel, a client asks the Sentinels for the master, and moves to the new one when they announce a
 * failover (`failoverDetector`) or when the server it talks to answers `READONLY` (a demoted master that came
 * back as a replica); commands sent meanwhile are sent again to the new master.
 */
export function redisConnectionOptions(settings: RedisSettings): RedisOptions {
  if (isSentinelRedis(settings)) {
    return {
      sentinels: settings.sentinels.map(({ host, port }) => ({ host, port })),
      name: settings.master,
      ...(settings.username === undefined ? {} : { username: settings.username }),
      ...(settings.password === undefined ? {} : { password: settings.password }),
      ...(settings.sentinelPassword === undefined ? {} : { sentinelPassword: settings.sentinelPassword }),
      failoverDetector: true,
      reconnectOnError: (error: Error) => (error.message.startsWith('READONLY') ? 2 : false),
      maxRetriesPerRequest: null,
    };
  }
  const url = new URL(settings.url);
  const db = Number(url.pathname.replace(/^\//, '') || '0');
  return {
    host: url.hostname,
    port: Number(url.port || 6379),
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    ...(Number.isInteger(db) && db > 0 ? { db } : {}),
    ...(url.protocol === 'rediss:' ? { tls: {} } : {}),
    maxRetriesPerRequest: null,
  };
}
