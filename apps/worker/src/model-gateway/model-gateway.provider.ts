import type { OnApplicationShutdown, Provider } from '@nestjs/common';
import { ModelGateway } from '@sc/runner';
import { WorkerConfig } from '../config/worker.config';

/** The worker's one model gateway, shared by its Rounds; its server starts with the first agent. */
export const modelGatewayProvider: Provider = {
  provide: ModelGateway,
  inject: [WorkerConfig],
  useFactory: (config: WorkerConfig): ModelGateway & OnApplicationShutdown =>
    Object.assign(new ModelGateway(config.upstreams, config.prices), {
      onApplicationShutdown(this: ModelGateway) {
        return this.close();
      },
    }),
};
