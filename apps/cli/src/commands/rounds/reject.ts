import { Args, Flags } from '@oclif/core';
import type { RoundView } from '@sc/schemas';
import { BaseCommand } from '../../base-command';
import { resolveRoundId } from '../../round-id';

export default class RoundsReject extends BaseCommand<typeof RoundsReject> {
  static override summary = 'Reject a Round awaiting review: it fails with your reason; its branch stays.';
  static override description = 'Exits 1 when the Round is not awaiting_review (the orchestrator answers 409).';
  static override examples = ['<%= config.bin %> rounds reject 0193… --reason "the tests are missing"'];
  static override args = {
    id: Args.string({ description: 'Round id, or a unique prefix of it', required: true }),
  };
  static override flags = {
    reason: Flags.string({ summary: 'Why (stored as the reason of the Round’s end).', required: true }),
  };

  async run(): Promise<RoundView> {
    const round = await this.api.rejectRound(await resolveRoundId(this.api, this.args.id), this.flags.reason);
    this.log(`Round ${round.id}: ${round.state} (review rejected)`);
    return round;
  }
}
