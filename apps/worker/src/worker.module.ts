import { BullModule, Processor } from '@nestjs/bullmq';
import { redisConnectionOptions } from '@sc/infrastructure';
import { Module, type DynamicModule } from '@nestjs/common';
import { QueueName } from '@sc/schemas';
import type { Logger } from 'pino';
import { artifactStoreProvider } from './artifacts/artifact-store.provider';
import { CancelRequestsListener } from './cancellation/cancel-requests.listener';
import { AttemptLedgers } from './ledger/attempt-ledgers';
import { AgentSlots } from './limits/agent-slots';
import { WorkerConfig } from './config/worker.config';
import { HeartbeatPublisher } from './heartbeats/heartbeat.publisher';
import { LoggerModule } from './logging/logger.module';
import { MetricsServer } from './metrics/metrics.server';
import { modelGatewayProvider } from './model-gateway/model-gateway.provider';
import { WorkerMetrics } from './metrics/worker.metrics';
import { pluginRegistryProvider } from './plugins/plugin-registry.provider';
import { RoundPublisher } from './publishing/round.publisher';
import { WorkOrdersConsumer, workOrdersWorkerOptions } from './workorders/workorders.consumer';

/** The worker process: consumes `workorders`, runs Rounds, publishes to `reports` and `events`. */
@Module({})
export class WorkerModule {
  /** Built from the config and logger main.ts made before Nest started. */
  static forRoot(config: WorkerConfig, logger: Logger): DynamicModule {
    // The lock settings are config, known only now: the consumer's decorator is applied again with them
    // before Nest's BullMQ explorer creates the worker from its metadata.
    Processor(QueueName.WorkOrders, workOrdersWorkerOptions(config))(WorkOrdersConsumer);
    return {
      module: WorkerModule,
      imports: [
        LoggerModule.forRoot(logger),
        BullModule.forRoot({ connection: redisConnectionOptions(config.redis), prefix: config.queuePrefix }),
        BullModule.registerQueue({ name: QueueName.Reports }, { name: QueueName.Events }),
      ],
      providers: [
        { provide: WorkerConfig, useValue: config },
        pluginRegistryProvider,
        artifactStoreProvider,
        modelGatewayProvider,
        AttemptLedgers,
        AgentSlots,
        RoundPublisher,
        WorkOrdersConsumer,
        CancelRequestsListener,
        WorkerMetrics,
        MetricsServer,
        HeartbeatPublisher,
      ],
    };
  }
}
