import { Flags } from '@oclif/core';
import type { AgentCliSettings, PluginRegistry, RegistryLogger } from '@sc/runner';

/** `--plugins` (env `SC_PLUGINS`): extra plugin modules, the same list the worker reads. */
export const pluginsFlag = Flags.string({
  summary: 'Extra plugin modules, comma-separated names or paths.',
  env: 'SC_PLUGINS',
});

/**
 * The plugins this machine would run, found exactly as a worker finds them (built-ins, `SC_PLUGINS`, then the
 * `sc.plugins` list of ./package.json). @sc/runner loads here, so that commands stay light until they run.
 * `agentCli`: the settings `sc run` runs agent-cli with (a worker's are its config's).
 */
export async function loadPlugins(
  modules: string | undefined,
  logger?: RegistryLogger,
  agentCli?: AgentCliSettings,
): Promise<PluginRegistry> {
  const { discoverPlugins } = await import('@sc/runner');
  const list = (modules ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  return discoverPlugins({ modules: list, cwd: process.cwd(), logger, agentCli });
}
