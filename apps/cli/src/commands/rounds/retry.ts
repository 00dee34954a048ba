import { Args, Flags } from '@oclif/core';
import type { RoundView } from '@sc/schemas';
import { BaseCommand } from '../../base-command';
import { resolveRoundId } from '../../round-id';

export default class RoundsRetry extends BaseCommand<typeof RoundsRetry> {
  static override summary = 'Start a new attempt of a finished Round, its agents resuming their sessions.';
  static override description =
    "The agents continue the conversations of the last attempt (where the CLI kept a transcript) on the Round's branch; --fresh starts them over. Exits 1 while the Round is still queued or running (the orchestrator answers 409).";
  static override examples = [
    '<%= config.bin %> rounds retry 0193…',
    '<%= config.bin %> rounds retry 0193… --fresh',
    '<%= config.bin %> rounds retry 0193… && <%= config.bin %> rounds watch 0193…',
  ];
  static override args = {
    id: Args.string({ description: 'Round id, or a unique prefix of it', required: true }),
  };
  static override flags = {
    fresh: Flags.boolean({ summary: 'Start the agents over instead of resuming their sessions.', default: false }),
  };

  async run(): Promise<RoundView> {
    const round = await this.api.retryRound(await resolveRoundId(this.api, this.args.id), this.flags.fresh);
    this.log(`Round ${round.id}: ${round.state} (attempt ${round.attempt})`);
    return round;
  }
}
