import type { Plugin } from '@sc/plugin-sdk';
import { createAgentCliPlugin } from './agent-cli/agent-cli.plugin';
import type { AgentCliSettings } from './agent-cli/agent-cli-settings';
import { echoPlugin } from './echo.plugin';
import { shellPlugin } from './shell.plugin';

/** The plugins every registry starts with, under the source `built-in`; `agentCli` is the host's settings of agent-cli. */
export function builtInPlugins(agentCli?: AgentCliSettings): Plugin[] {
  return [echoPlugin, shellPlugin, createAgentCliPlugin(agentCli)];
}
