import type { Plugin } from '@sc/plugin-sdk';
import { agentCliPlugin } from './agent-cli/agent-cli.plugin';
import { echoPlugin } from './echo.plugin';
import { shellPlugin } from './shell.plugin';

/** The plugins every registry starts with, under the source `built-in`. */
export const builtInPlugins: readonly Plugin[] = [echoPlugin, shellPlugin, agentCliPlugin];
