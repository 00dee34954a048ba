import type { Provider } from '@nestjs/common';
import type { Logger } from 'pino';
import { discoverPlugins, type PluginRegistry } from '@sc/runner';
import { ORCHESTRATOR_CONFIG, type OrchestratorConfig } from '../config/orchestrator.config';
import { ROOT_LOGGER } from '../logging/logger.module';

/** Injection token of the {@link PluginRegistry} the API checks `plugin` names against. */
export const PLUGIN_REGISTRY = Symbol('PluginRegistry');

/**
 * The plugins a worker of this installation can run, found once at start the way workers find them
 * (built-ins, `SC_PLUGINS`, `sc.plugins` of package.json), so a submit naming another one is refused up front.
 */
export const pluginRegistryProvider: Provider = {
  provide: PLUGIN_REGISTRY,
  inject: [ORCHESTRATOR_CONFIG, ROOT_LOGGER],
  useFactory: (config: OrchestratorConfig, logger: Logger): Promise<PluginRegistry> =>
    discoverPlugins({
      modules: config.plugins,
      cwd: process.cwd(),
      logger: logger.child({ context: 'PluginRegistry' }),
    }),
};
