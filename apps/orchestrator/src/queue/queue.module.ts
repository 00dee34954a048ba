import { BullModule, InjectQueue } from '@nestjs/bullmq';
import { Logger, Module } from '@nestjs/common';
import { logRedisErrors, redisConnectionOptions } from '@sc/infrastructure';
import type { Queue } from 'bullmq';
import { TypeOrmModule } from '@nestjs/typeorm';
import { QueueName } from '@sc/schemas';
import { ClusterModule } from '../cluster/cluster.module';
import { ORCHESTRATOR_CONFIG, type OrchestratorConfig } from '../config/orchestrator.config';
import { CancelRequestsPublisher } from './cancel-requests.publisher';
import { OutboxEntity } from './outbox.entity';
import { OutboxRelay } from './outbox.relay';
import { OutboxRepository } from './outbox.repository';
import { WorkOrdersProducer } from './workorders.producer';

/** BullMQ on `REDIS_URL` under `SC_QUEUE_PREFIX`, the outbox, and the cancel-requests channel. */
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [ORCHESTRATOR_CONFIG],
      useFactory: (config: OrchestratorConfig) => ({
        connection: redisConnectionOptions(config.redis),
        prefix: config.queuePrefix,
      }),
    }),
    BullModule.registerQueueAsync({
      name: QueueName.WorkOrders,
      inject: [ORCHESTRATOR_CONFIG],
      // The producer fails fast while Redis is down (the outbox keeps the row) instead of queueing commands in memory.
      useFactory: (config: OrchestratorConfig) => ({
        connection: { ...redisConnectionOptions(config.redis), enableOfflineQueue: false },
      }),
    }),
    BullModule.registerQueue(
      { name: QueueName.Reports },
      { name: QueueName.Events },
      { name: QueueName.Notifications },
    ),
    TypeOrmModule.forFeature([OutboxEntity]),
    ClusterModule,
  ],
  providers: [OutboxRepository, WorkOrdersProducer, OutboxRelay, CancelRequestsPublisher],
  exports: [WorkOrdersProducer, OutboxRelay, CancelRequestsPublisher, BullModule],
})
export class QueueModule {
  private readonly logger = new Logger('Redis');

  // As soon as the queues exist (they connect at once): their connection errors as one warning per interval,
  // not a stack per retry.
  constructor(
    @InjectQueue(QueueName.WorkOrders) workorders: Queue,
    @InjectQueue(QueueName.Reports) reports: Queue,
    @InjectQueue(QueueName.Events) events: Queue,
    @InjectQueue(QueueName.Notifications) notifications: Queue,
  ) {
    for (const queue of [workorders, reports, events, notifications])
      logRedisErrors(queue, `queue ${queue.name}`, (fields, message) => this.logger.warn(fields, message));
  }
}
