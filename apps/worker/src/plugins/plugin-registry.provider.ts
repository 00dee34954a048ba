import type { Provider } from '@nestjs/common';
import { discoverPlugins, PluginRegistry } from '@sc/runner';
import type { Logger } from 'pino';
import { WorkerConfig } from '../config/worker.config';
import { WORKER_LOGGER } from '../logging/logger.module';

/**
 * The worker's plugins, discovered once at start: built-ins, `SC_PLUGINS`, then `sc.plugins` of the
 * package.json in the working directory. Each refused plugin is logged as `plugin refused`; the worker
 * still starts with the rest.
 */
export const pluginRegistryProvider: Provider = {
  provide: PluginRegistry,
  inject: [WorkerConfig, WORKER_LOGGER],
  useFactory: (config: WorkerConfig, logger: Logger) =>
    discoverPlugins({ modules: config.plugins, cwd: process.cwd(), logger, agentCli: config.agentCli }),
};
