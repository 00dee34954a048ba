import { Redis } from 'ioredis';
import { ConfigError } from '../env/env-reader';
import { redisConnectionOptions } from './redis-connection';
import { isSentinelRedis, type RedisSettings } from './redis-settings';

// Shared by the orchestrator and the worker, which both start by checking their Redis settings.
// Redis' answers to credentials it refuses: a wrong password or user (WRONGPASS), none given (NOAUTH).
const refusedCredentials = /^(WRONGPASS|NOAUTH)\b/;

/**
 * Checks once, before Nest starts, that Redis accepts the credentials of its settings, and throws a
 * {@link ConfigError} when it refuses them: a wrong password does not fix itself, so the process stops (exit 2)
 * instead of retrying forever. Redis being unreachable passes: an outage is ridden out by the queues.
 * The error quotes Redis' answer, never the URL, which holds the password.
 */
export async function assertRedisCredentials(settings: RedisSettings): Promise<void> {
  const refusal = await redisRefusal(settings);
  const source = isSentinelRedis(settings) ? 'REDIS_PASSWORD' : 'REDIS_URL';
  if (refusal !== undefined) throw new ConfigError(`${source}: Redis refused the credentials (${refusal})`);
}

async function redisRefusal(settings: RedisSettings): Promise<string | undefined> {
  const redis = new Redis({
    ...redisConnectionOptions(settings),
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    sentinelRetryStrategy: () => null,
    connectTimeout: 5_000,
  });
  // A refused AUTH arrives as an `error` event; the awaited call then only says that the connection closed.
  const errors: string[] = [];
  redis.on('error', (error: Error) => errors.push(error.message));
  try {
    await redis.connect();
    await redis.ping();
    return undefined;
  } catch (error) {
    return [...errors, error instanceof Error ? error.message : String(error)].find((message) =>
      refusedCredentials.test(message),
    );
  } finally {
    redis.disconnect();
  }
}
