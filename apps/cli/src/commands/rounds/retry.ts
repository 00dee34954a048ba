import { Args } from '@oclif/core';
import type { RoundView } from '@sc/schemas';
import { BaseCommand } from '../../base-command';

export default class RoundsRetry extends BaseCommand<typeof RoundsRetry> {
  static override summary = 'Start a new attempt of a finished Round.';
  static override description = 'Exits 1 while the Round is still queued or running (the orchestrator answers 409).';
  static override examples = ['<%= config.bin %> rounds retry 0193…', '<%= config.bin %> rounds retry 0193… && <%= config.bin %> rounds watch 0193…'];
  static override args = {
    id: Args.string({ description: 'Round id', required: true }),
  };

  async run(): Promise<RoundView> {
    const round = await this.api.retryRound(this.args.id);
    this.log(`Round ${round.id}: ${round.state} (attempt ${round.attempt})`);
    return round;
  }
}
