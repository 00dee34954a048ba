import { logRedisErrors, redisConnectionOptions } from '@sc/infrastructure';
import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { cancelRequestsChannel, type CancelRequest } from '@sc/schemas';
import { Redis } from 'ioredis';
import { ORCHESTRATOR_CONFIG, type OrchestratorConfig } from '../config/orchestrator.config';

/**
 * Asks workers to stop a running attempt: a Redis pub/sub message every worker hears; the one holding the
 * job aborts it and reports `cancelled`.
 */
@Injectable()
export class CancelRequestsPublisher implements OnApplicationShutdown {
  private readonly logger = new Logger(CancelRequestsPublisher.name);
  private readonly redis: Redis;
  private readonly channel: string;

  constructor(@Inject(ORCHESTRATOR_CONFIG) config: OrchestratorConfig) {
    // No offline queue: with Redis down the API answers an error now instead of hanging.
    this.redis = new Redis({
      ...redisConnectionOptions(config.redis),
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      lazyConnect: true,
    });
    logRedisErrors(this.redis, 'cancel requests', (fields, message) => this.logger.warn(fields, message));
    this.channel = cancelRequestsChannel(config.queuePrefix);
  }

  /** Publishes `request`; resolves with how many workers heard it. */
  async publish(request: CancelRequest): Promise<number> {
    if (this.redis.status === 'wait') await this.redis.connect();
    return this.redis.publish(this.channel, JSON.stringify(request));
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.redis.status !== 'end' && this.redis.status !== 'wait') await this.redis.quit().catch(() => undefined);
  }
}
