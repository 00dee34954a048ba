import type { RedisOptions } from 'bullmq';

/**
 * BullMQ connection options for `REDIS_URL`. `maxRetriesPerRequest: null` is what BullMQ requires of a
 * worker's connection: commands wait for Redis to come back instead of failing after a few retries.
 */
export function redisConnectionOptions(redisUrl: string): RedisOptions {
  return { url: redisUrl, maxRetriesPerRequest: null };
}
