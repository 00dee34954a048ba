import { Args } from '@oclif/core';
import { BaseCommand } from '../../base-command';
import { resolveRoundId } from '../../round-id';
import type { RoundOutcome } from '../../round-follower';

export default class RoundsWatch extends BaseCommand<typeof RoundsWatch> {
  static override summary = 'Follow a Round until it ends: transitions, phases, log lines, then its Report.';
  static override description = 'Exits 0 only when the Round succeeded.';
  static override examples = ['<%= config.bin %> rounds watch 0193…'];
  static override args = {
    id: Args.string({ description: 'Round id, or a unique prefix of it', required: true }),
  };

  async run(): Promise<RoundOutcome> {
    return this.watchRound(await resolveRoundId(this.api, this.args.id));
  }
}
