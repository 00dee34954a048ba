import { Args } from '@oclif/core';
import type { Report } from '@sc/schemas';
import { BaseCommand } from '../base-command';
import { resolveRoundId } from '../round-id';
import { formatReport } from '../round-format';

export default class ReportCommand extends BaseCommand<typeof ReportCommand> {
  static override summary = "Print a Round's Report (its latest attempt).";
  static override examples = ['<%= config.bin %> report 0193…', '<%= config.bin %> report 0193… --json | jq .status'];
  static override args = {
    id: Args.string({ description: 'Round id or a unique prefix of it (or a report id)', required: true }),
  };

  async run(): Promise<Report> {
    const report = await this.api.getReport(await resolveRoundId(this.api, this.args.id));
    formatReport(report).forEach((line) => this.log(line));
    return report;
  }
}
