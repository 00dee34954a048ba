import { Args, ux } from '@oclif/core';
import { BaseCommand } from '../../base-command';
import { followRoundToReport, type RoundOutcome } from '../../round-follower';
import { formatOutcome, formatRoundEvent } from '../../round-format';

export default class RoundsWatch extends BaseCommand<typeof RoundsWatch> {
  static override summary = 'Follow a Round until it ends: transitions, phases, log lines, then its Report.';
  static override description = 'Exits 0 only when the Round succeeded.';
  static override examples = ['<%= config.bin %> rounds watch 0193…'];
  static override args = {
    id: Args.string({ description: 'Round id', required: true }),
  };

  async run(): Promise<RoundOutcome> {
    if (!this.jsonEnabled()) ux.action.start(`Round ${this.args.id}`);
    const outcome = await followRoundToReport(this.api, this.args.id, {
      onEvent: (event) => {
        if (event.type === 'transition') ux.action.status = event.to;
        this.log(formatRoundEvent(event));
      },
    });
    ux.action.stop(outcome.round.state);
    formatOutcome(outcome).forEach((line) => this.log(line));
    if (outcome.report?.status !== 'success') this.markFailed();
    return outcome;
  }
}
