import { Args } from '@oclif/core';
import type { PullRequestResult } from '@sc/schemas';
import { BaseCommand } from '../base-command';
import { resolveRoundId } from '../round-id';

export default class Pr extends BaseCommand<typeof Pr> {
  static override summary = "Open or update the GitHub pull request of a Round's branch, its Report as the body.";
  static override description = [
    'The orchestrator does this by itself when the work-order has `pull_request`; this command does it by hand',
    '(the branch must already be on the remote). A pull request this Round opened before is updated and gets a',
    'comment; one opened by someone else only gets a comment. Exits 1 when the Round has no commits or GitHub is',
    'not configured on the orchestrator.',
  ].join(' ');
  static override examples = ['<%= config.bin %> pr 0193…', '<%= config.bin %> pr 0193… --json'];
  static override args = {
    id: Args.string({ description: 'Round id, or a unique prefix of it', required: true }),
  };

  async run(): Promise<PullRequestResult> {
    const result = await this.api.openPullRequest(await resolveRoundId(this.api, this.args.id));
    this.log(`Pull request #${result.number} ${result.action}: ${result.url}`);
    return result;
  }
}
