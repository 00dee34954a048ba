import { Args } from '@oclif/core';
import type { RoundView } from '@sc/schemas';
import { BaseCommand } from '../../base-command';
import { resolveRoundId } from '../../round-id';

export default class RoundsApprove extends BaseCommand<typeof RoundsApprove> {
  static override summary =
    'Approve a Round awaiting review: it succeeds, and its pull request is opened when the work-order asks for one.';
  static override description = 'Exits 1 when the Round is not awaiting_review (the orchestrator answers 409).';
  static override examples = ['<%= config.bin %> rounds diff 0193… && <%= config.bin %> rounds approve 0193…'];
  static override args = {
    id: Args.string({ description: 'Round id, or a unique prefix of it', required: true }),
  };

  async run(): Promise<RoundView> {
    const round = await this.api.approveRound(await resolveRoundId(this.api, this.args.id));
    this.log(`Round ${round.id}: ${round.state} (review approved)`);
    return round;
  }
}
