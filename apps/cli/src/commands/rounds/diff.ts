import { Args } from '@oclif/core';
import { BaseCommand } from '../../base-command';
import { colourDiff } from '../../diff-format';
import { resolveRoundId } from '../../round-id';

export default class RoundsDiff extends BaseCommand<typeof RoundsDiff> {
  static override summary = "Print the diff of a Round's agent branches against their base, one section per agent.";
  static override description =
    'What a reviewer decides on before `sc rounds approve` or `sc rounds reject`; coloured on a terminal. A Round held for review (work-order `review.required`) stores it; for any other the orchestrator answers 404 (exit 2).';
  static override examples = [
    '<%= config.bin %> rounds diff 0193…',
    '<%= config.bin %> rounds diff 0193… | git apply --check',
  ];
  static override args = {
    id: Args.string({ description: 'Round id, or a unique prefix of it', required: true }),
  };

  async run(): Promise<{ round_id: string; diff: string }> {
    const id = await resolveRoundId(this.api, this.args.id);
    const diff = await this.api.getRoundDiff(id);
    if (!this.jsonEnabled()) process.stdout.write(process.stdout.isTTY ? colourDiff(diff) : diff);
    return { round_id: id, diff };
  }
}
