import type { PluginContext } from '@sc/plugin-sdk';
import { ReviewDiffArtifact, type StoredWorkOrder } from '@sc/schemas';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runGit } from './git';
import { resolveBase, type Repository } from './repository';
import type { Worktree } from './worktree';

/**
 * Stores the diff a reviewer decides on as the attempt's {@link ReviewDiffArtifact}: for each agent, a `#` line
 * naming it, then its branch against the merge base with `base_ref` (what a pull request would show). The
 * orchestrator may run on another host than the worker, and only the worker has the repository: the artifact
 * store (shared folder or S3) is what both reach. git writes the diff to a file, since `exec` keeps only the
 * tail of a command's output.
 */
export async function storeReviewDiff(
  repository: Repository,
  worktrees: Worktree[],
  order: StoredWorkOrder,
  ctx: PluginContext,
): Promise<void> {
  const base = await resolveBase(repository, order.repo?.base_ref, ctx);
  const dir = await mkdtemp(join(tmpdir(), 'sc-review-'));
  try {
    const sections: string[] = [];
    for (const { agent, branch } of worktrees) {
      const file = join(dir, `${agent.name}.diff`);
      await runGit(ctx, repository.dir, [
        'diff',
        '--no-color',
        '--no-ext-diff',
        `--output=${file}`,
        '--end-of-options',
        `${base}...refs/heads/${branch}`,
      ]);
      sections.push(
        `# agent ${agent.name} (${agent.model}): ${branch} against ${order.repo?.base_ref ?? 'HEAD'} (${base.slice(0, 12)})\n${await readFile(file, 'utf8')}`,
      );
    }
    await ctx.writeArtifact(ReviewDiffArtifact, sections.join('\n'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
