import { Args } from '@oclif/core';
import type { RoundView } from '@sc/schemas';
import { BaseCommand } from '../../base-command';

export default class RoundsCancel extends BaseCommand<typeof RoundsCancel> {
  static override summary = 'Cancel a queued or running Round (the worker stops its processes).';
  static override description = 'Exits 1 when the Round has already finished (the orchestrator answers 409).';
  static override examples = ['<%= config.bin %> rounds cancel 0193…'];
  static override args = {
    id: Args.string({ description: 'Round id', required: true }),
  };

  async run(): Promise<RoundView> {
    const round = await this.api.cancelRound(this.args.id);
    this.log(`Round ${round.id}: ${round.state}`);
    return round;
  }
}
