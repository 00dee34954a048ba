import { logRedisErrors, redisConnectionOptions } from '@sc/infrastructure';
import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import type { OrchestratorConfig } from '../config/orchestrator.config';

/**
 * A Redis connection of a `GET /health` check's own: made on first use, never queuing commands, giving up on a
 * connection after `timeoutMs` — a probe answers quickly even when Redis hangs. Its errors are one warning per
 * interval under `what`.
 */
export function probeConnection(config: OrchestratorConfig, timeoutMs: number, what: string): Redis {
  const redis = new Redis({
    ...redisConnectionOptions(config.redis),
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    lazyConnect: true,
    connectTimeout: timeoutMs,
  });
  const logger = new Logger(what);
  logRedisErrors(redis, what, (fields, message) => logger.warn(fields, message));
  return redis;
}
