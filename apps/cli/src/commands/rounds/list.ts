import { Flags } from '@oclif/core';
import type { RoundPage, RoundState } from '@sc/schemas';
import { BaseCommand } from '../../base-command';
import { formatRoundTable } from '../../round-format';

export default class RoundsList extends BaseCommand<typeof RoundsList> {
  static override summary = 'List Rounds, newest first.';
  static override description =
    'Prints a table, or the page as JSON with --json; pass next_cursor back as --cursor for the next page. A waiting Round shows when it resumes (its model limit resets), in UTC.';
  static override examples = [
    '<%= config.bin %> rounds list',
    '<%= config.bin %> rounds list --status running --plugin echo',
    '<%= config.bin %> rounds list --status waiting',
    '<%= config.bin %> rounds list --label demo --limit 5 --json',
  ];
  static override flags = {
    status: Flags.string({
      summary: 'Only Rounds in this state (queued, running, retrying, waiting, succeeded, failed, …).',
    }),
    plugin: Flags.string({ summary: 'Only Rounds run by this plugin.' }),
    label: Flags.string({ summary: 'Only Rounds whose work-order has this label.' }),
    limit: Flags.integer({ summary: 'Rounds per page.', min: 1, max: 100, default: 20 }),
    cursor: Flags.string({ summary: 'Where the previous page ended (its next_cursor).' }),
  };

  async run(): Promise<RoundPage> {
    const { status, plugin, label, limit, cursor } = this.flags;
    // The state is checked by the orchestrator (an unknown one is a 400, exit 2), so the list lives in one place.
    const page = await this.api.listRounds({ status: status as RoundState | undefined, plugin, label, limit, cursor });
    if (page.items.length === 0) this.log('No rounds.');
    else this.log(await formatRoundTable(page.items));
    if (page.next_cursor) this.log(`More: --cursor ${page.next_cursor}`);
    return page;
  }
}
