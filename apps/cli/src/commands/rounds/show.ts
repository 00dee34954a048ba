import { Args } from '@oclif/core';
import type { RoundView } from '@sc/schemas';
import { BaseCommand } from '../../base-command';
import { resolveRoundId } from '../../round-id';
import { formatRound } from '../../round-format';

export default class RoundsShow extends BaseCommand<typeof RoundsShow> {
  static override summary = 'Show a Round: state, attempts, timestamps and every transition.';
  static override examples = ['<%= config.bin %> rounds show 0193…'];
  static override args = {
    id: Args.string({ description: 'Round id, or a unique prefix of it', required: true }),
  };

  async run(): Promise<RoundView> {
    const round = await this.api.getRound(await resolveRoundId(this.api, this.args.id));
    formatRound(round).forEach((line) => this.log(line));
    return round;
  }
}
