import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { QueueName } from '@sc/schemas';
import { ORCHESTRATOR_CONFIG, type OrchestratorConfig } from '../config/orchestrator.config';
import { CancelRequestsPublisher } from './cancel-requests.publisher';
import { OutboxEntity } from './outbox.entity';
import { OutboxRelay } from './outbox.relay';
import { OutboxRepository } from './outbox.repository';
import { redisConnectionOptions } from './redis-connection';
import { WorkOrdersProducer } from './workorders.producer';

/** BullMQ on `REDIS_URL` under `SC_QUEUE_PREFIX`, the outbox, and the cancel-requests channel. */
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [ORCHESTRATOR_CONFIG],
      useFactory: (config: OrchestratorConfig) => ({ connection: redisConnectionOptions(config.redisUrl), prefix: config.queuePrefix }),
    }),
    BullModule.registerQueueAsync({
      name: QueueName.WorkOrders,
      inject: [ORCHESTRATOR_CONFIG],
      // The producer fails fast while Redis is down (the outbox keeps the row) instead of queueing commands in memory.
      useFactory: (config: OrchestratorConfig) => ({ connection: { ...redisConnectionOptions(config.redisUrl), enableOfflineQueue: false } }),
    }),
    BullModule.registerQueue({ name: QueueName.Reports }, { name: QueueName.Events }),
    TypeOrmModule.forFeature([OutboxEntity]),
  ],
  providers: [OutboxRepository, WorkOrdersProducer, OutboxRelay, CancelRequestsPublisher],
  exports: [WorkOrdersProducer, OutboxRelay, CancelRequestsPublisher, BullModule],
})
export class QueueModule {}
