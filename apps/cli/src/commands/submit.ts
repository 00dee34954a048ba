import { Args, Flags } from '@oclif/core';
import type { SubmitWorkOrderResponse } from '@sc/schemas';
import { BaseCommand } from '../base-command';
import type { RoundOutcome } from '../round-follower';
import { readWorkOrderFile } from '../workorder-file';

/** What `sc submit --json` prints; with `--wait`, how the Round ended too. */
export type SubmitResult = SubmitWorkOrderResponse & Partial<RoundOutcome>;

export default class Submit extends BaseCommand<typeof Submit> {
  static override summary = 'Submit a work-order to the orchestrator and print the id of its Round.';
  static override description =
    'The file is validated first (exit 2 with every failing path and line). With --wait, follows the Round until it ends, prints its Report, and exits 0 only when the Round succeeded.';
  static override examples = [
    '<%= config.bin %> submit examples/echo.json',
    '<%= config.bin %> submit examples/echo.json --wait',
    'ROUND=$(<%= config.bin %> submit wo.yaml) && <%= config.bin %> rounds watch $ROUND',
  ];
  static override args = {
    file: Args.string({ description: 'work-order file, .json, .yaml or .yml', required: true }),
  };
  static override flags = {
    wait: Flags.boolean({ char: 'w', summary: 'Follow the Round until it ends and print its Report.' }),
    'idempotency-key': Flags.string({ summary: 'Submitting again with the same key returns the same Round.' }),
  };

  async run(): Promise<SubmitResult> {
    const order = await readWorkOrderFile(this.args.file);
    const submitted = await this.api.submitWorkOrder(order, this.flags['idempotency-key']);
    if (!this.flags.wait) {
      this.log(submitted.round_id);
      return submitted;
    }
    this.log(`Round ${submitted.round_id} queued (work-order ${submitted.workorder_id})`);
    const outcome = await this.watchRound(submitted.round_id, 'queued');
    return { ...submitted, ...outcome };
  }
}
