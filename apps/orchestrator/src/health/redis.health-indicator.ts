import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import type { Redis } from 'ioredis';
import { ORCHESTRATOR_CONFIG, type OrchestratorConfig } from '../config/orchestrator.config';
import { withTimeout } from '../queue/with-timeout';
import { probeConnection } from './probe-connection';

// A probe must answer quickly even when Redis hangs.
const timeoutMs = 2_000;

/** Redis reachability for `GET /health`: a PING on a connection of its own that never queues commands. */
@Injectable()
export class RedisHealthIndicator implements OnApplicationShutdown {
  private readonly redis: Redis;

  constructor(
    @Inject(ORCHESTRATOR_CONFIG) config: OrchestratorConfig,
    private readonly indicators: HealthIndicatorService,
  ) {
    this.redis = probeConnection(config, timeoutMs, 'health check');
  }

  async ping(): Promise<HealthIndicatorResult<'redis'>> {
    const indicator = this.indicators.check('redis');
    try {
      if (this.redis.status === 'wait') await this.redis.connect();
      await withTimeout(this.redis.ping(), timeoutMs, 'redis ping');
      return indicator.up();
    } catch (error) {
      return indicator.down({ message: (error as Error).message });
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.redis.disconnect();
  }
}
