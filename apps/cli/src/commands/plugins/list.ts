import type { PluginInfo, RefusedPlugin } from '@sc/runner';
import { BaseCommand } from '../../base-command';
import { loadPlugins, pluginsFlag } from '../../plugin-discovery';

/** What `sc plugins list --json` prints. */
export interface PluginsListResult {
  plugins: PluginInfo[];
  refused: RefusedPlugin[];
}

export default class PluginsList extends BaseCommand<typeof PluginsList> {
  static override summary = 'List the plugins this machine can run: name, version, apiVersion and where each came from.';
  static override description = 'Plugins come from the built-ins, SC_PLUGINS and the "sc.plugins" list of ./package.json. Refused ones are listed with their reason.';
  static override examples = ['<%= config.bin %> plugins list', 'SC_PLUGINS=./plugins/hello.js <%= config.bin %> plugins list --json'];
  static override flags = { plugins: pluginsFlag };

  async run(): Promise<PluginsListResult> {
    const registry = await loadPlugins(this.flags.plugins);
    const { default: Table } = await import('cli-table3');
    const table = new Table({ head: ['NAME', 'VERSION', 'API', 'SOURCE', 'DESCRIPTION'], style: { head: [], border: [] } });
    for (const plugin of registry.list()) table.push([plugin.name, plugin.version, plugin.apiVersion, plugin.source, plugin.description ?? '']);
    this.log(table.toString());
    for (const refused of registry.refused) this.log(`✗ ${refused.name ?? refused.source} refused: ${refused.reason}`);
    return { plugins: registry.list(), refused: [...registry.refused] };
  }
}
