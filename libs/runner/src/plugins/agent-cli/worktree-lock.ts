import type { PluginContext } from '@sc/plugin-sdk';
import { join } from 'node:path';
import { lock } from 'proper-lockfile';

// The tail of each repository's queue of worktree changes in this process (see withWorktreeLock).
const worktreeQueues = new Map<string, Promise<unknown>>();

/**
 * Runs `fn` while no other Round on this host changes the repository's worktrees. Git writes a new worktree's
 * files under `.git/worktrees/` one by one, and a concurrent `worktree add`, `prune` or `list` that reads the
 * half-written entry dies ("failed to read …/commondir"). Rounds of this process queue in memory; other
 * processes are kept out by a lock folder in the repository's git dir (proper-lockfile: a holder killed with
 * -9 goes stale after 10 s).
 */
export async function withWorktreeLock<T>(
  gitDir: string,
  ctx: Pick<PluginContext, 'logger'>,
  fn: () => Promise<T>,
): Promise<T> {
  const previous = worktreeQueues.get(gitDir) ?? Promise.resolve();
  const turn = previous
    .catch(() => undefined)
    .then(async () => {
      const release = await lock(gitDir, {
        lockfilePath: join(gitDir, 'sc-worktrees.lock'),
        stale: 10_000,
        retries: { retries: 600, minTimeout: 10, maxTimeout: 100 },
        // The default throws where nobody catches it; a lock held past its staleness only risks the race it prevents.
        onCompromised: (error) => ctx.logger.warn({ err: error, gitDir }, 'worktree lock compromised'),
      });
      try {
        return await fn();
      } finally {
        await release();
      }
    });
  worktreeQueues.set(gitDir, turn);
  try {
    return await turn;
  } finally {
    if (worktreeQueues.get(gitDir) === turn) worktreeQueues.delete(gitDir);
  }
}
