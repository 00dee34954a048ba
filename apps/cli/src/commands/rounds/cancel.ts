import { Args, Flags } from '@oclif/core';
import type { RoundView } from '@sc/schemas';
import { BaseCommand } from '../../base-command';
import { resolveRoundId } from '../../round-id';
import { followRound } from '../../round-follower';
import { formatRoundEvent } from '../../round-format';

export default class RoundsCancel extends BaseCommand<typeof RoundsCancel> {
  static override summary = 'Cancel a queued or running Round (the worker stops its processes).';
  static override description = [
    'A queued Round is cancelled at once. A running one gets a cancellation request: its worker stops the processes',
    'and reports the Round cancelled a moment later; --wait waits for that end and exits 1 unless the Round ended',
    'cancelled. Exits 1 when the Round has already finished (the orchestrator answers 409).',
  ].join(' ');
  static override examples = ['<%= config.bin %> rounds cancel 0193…', '<%= config.bin %> rounds cancel 0193… --wait'];
  static override args = {
    id: Args.string({ description: 'Round id, or a unique prefix of it', required: true }),
  };
  static override flags = {
    wait: Flags.boolean({ char: 'w', summary: 'Wait until the Round has ended.' }),
  };

  async run(): Promise<RoundView> {
    const { isTerminal } = await import('@sc/schemas');
    const round = await this.api.cancelRound(await resolveRoundId(this.api, this.args.id));
    if (isTerminal(round.state)) {
      this.log(`Round ${round.id}: ${round.state}`);
      return round;
    }
    this.log(`Round ${round.id}: cancellation requested (${round.state})`);
    if (!this.flags.wait) return round;
    const ended = await followRound(this.api, round.id, {
      onEvent: (event) => {
        if (event.type === 'transition') this.log(formatRoundEvent(event));
      },
    });
    this.log(`Round ${ended.id}: ${ended.state}`);
    if (ended.state !== 'cancelled') this.markFailed();
    return ended;
  }
}
