import type { PluginInfo, RefusedPlugin } from '@sc/runner';
import { BaseCommand } from '../../base-command';
import { loadPlugins, pluginsFlag } from '../../plugin-discovery';
import { formatTable, type TableColumn } from '../../table-format';

/** What `sc plugins list --json` prints. */
export interface PluginsListResult {
  plugins: PluginInfo[];
  refused: RefusedPlugin[];
}

export default class PluginsList extends BaseCommand<typeof PluginsList> {
  static override summary =
    'List the plugins this machine can run: name, version, apiVersion and where each came from.';
  static override description =
    'Plugins come from the built-ins, SC_PLUGINS and the "sc.plugins" list of ./package.json. Refused ones are listed with their reason.';
  static override examples = [
    '<%= config.bin %> plugins list',
    'SC_PLUGINS=./plugins/hello.js <%= config.bin %> plugins list --json',
  ];
  static override flags = { plugins: pluginsFlag };

  async run(): Promise<PluginsListResult> {
    const registry = await loadPlugins(this.flags.plugins);
    const columns: TableColumn[] = [
      { header: 'NAME' },
      { header: 'VERSION', dropOrder: 2 },
      { header: 'API', dropOrder: 1 },
      { header: 'SOURCE', minWidth: 12, dropOrder: 3 },
      { header: 'DESCRIPTION', minWidth: 20 },
    ];
    const rows = registry
      .list()
      .map((plugin) => [plugin.name, plugin.version, plugin.apiVersion, plugin.source, plugin.description ?? '']);
    this.log(await formatTable(columns, rows));
    for (const refused of registry.refused) this.log(`✗ ${refused.name ?? refused.source} refused: ${refused.reason}`);
    return { plugins: registry.list(), refused: [...registry.refused] };
  }
}
