import { logRedisErrors, redisConnectionOptions } from '@sc/infrastructure';
import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { cancelRequestsChannel, type CancelRequest } from '@sc/schemas';
import Redis from 'ioredis';
import type { Logger } from 'pino';
import { WorkerConfig } from '../config/worker.config';
import { WORKER_LOGGER } from '../logging/logger.module';
import { WorkOrdersConsumer } from '../workorders/workorders.consumer';

/**
 * Listens for cancel requests on `<prefix>:cancel-requests` and aborts the attempt when this worker runs
 * it; every worker gets every request, and those not holding the job ignore it. The abort reaches
 * `runRound`'s signal, which stops the plugin and its process group, and the Report says `cancelled`.
 */
@Injectable()
export class CancelRequestsListener implements OnModuleInit, OnModuleDestroy {
  // A subscribed connection can run no other command, so it is this listener's alone.
  private subscriber?: Redis;

  constructor(
    private readonly config: WorkerConfig,
    private readonly consumer: WorkOrdersConsumer,
    @Inject(WORKER_LOGGER) private readonly logger: Logger,
  ) {}

  async onModuleInit(): Promise<void> {
    const channel = cancelRequestsChannel(this.config.queuePrefix);
    this.subscriber = new Redis(redisConnectionOptions(this.config.redis));
    this.subscriber.on('message', (_channel: string, message: string) => this.handle(message));
    logRedisErrors(this.subscriber, 'cancel listener', (fields, message) => this.logger.warn(fields, message));
    await this.subscriber.subscribe(channel);
    this.logger.debug({ channel }, 'listening for cancel requests');
  }

  async onModuleDestroy(): Promise<void> {
    await this.subscriber?.quit().catch(() => this.subscriber?.disconnect());
  }

  /** Applies one request; a malformed message is logged and dropped. */
  handle(message: string): void {
    const request = parseCancelRequest(message);
    if (!request) {
      this.logger.warn({ message: message.slice(0, 200) }, 'malformed cancel request');
      return;
    }
    const isHeld = this.consumer.cancel(request.round_id, request.attempt, request.reason || 'cancel requested');
    if (isHeld)
      this.logger.info(
        { round_id: request.round_id, attempt: request.attempt, reason: request.reason },
        'round cancel requested',
      );
  }
}

function parseCancelRequest(message: string): CancelRequest | undefined {
  try {
    const value = JSON.parse(message) as Partial<CancelRequest>;
    if (typeof value.round_id !== 'string' || !Number.isInteger(value.attempt)) return undefined;
    return {
      round_id: value.round_id,
      attempt: value.attempt as number,
      reason: typeof value.reason === 'string' ? value.reason : '',
    };
  } catch {
    return undefined;
  }
}
