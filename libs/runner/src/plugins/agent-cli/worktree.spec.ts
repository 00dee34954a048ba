import { createTestContext } from '@sc/plugin-sdk/testing';
import type { StoredWorkOrder } from '@sc/schemas';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openRepository } from './repository';
import { ensureWorktree, planWorktrees, removeWorktree } from './worktree';

function newRepository(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sc-worktree-repo-'));
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@t', ...args], { cwd: dir });
  git('init', '--quiet');
  git('commit', '--quiet', '--allow-empty', '-m', 'first');
  return dir;
}

describe(ensureWorktree.name, () => {
  it('makes and removes the worktrees of many Rounds on one repository at once', async () => {
    const dir = newRepository();
    const dataDir = mkdtempSync(join(tmpdir(), 'sc-worktree-data-'));
    const order: StoredWorkOrder = { id: 'wo-1', title: 'T', instructions: 'I', plugin: 'agent-cli', branch: 'feat/x', phases: ['coding'], priority: 5, repo: { path: dir } };
    // Without a lock, git's own worktree bookkeeping races: a `worktree add` or `prune` reads another's
    // half-written entry and dies ("failed to read .git/worktrees/<name>/commondir"); three waves of 48 Rounds
    // hit it in most runs of the code without the lock.
    for (const wave of [1, 2, 3]) {
      const rounds = Array.from({ length: 48 }, (_, index) => {
        const ctx = createTestContext({ dataDir, roundId: `round-${wave}-${index}` });
        const agents = [{ name: index % 2 ? 'codex' : 'gemini', model: 'm', role: 'coder' }];
        return { ctx, worktree: planWorktrees({ ...order, agents, branch: `feat/x-${wave}-${index}` }, ctx)[0] };
      });
      await Promise.all(
        rounds.map(async ({ ctx, worktree }) => {
          await ensureWorktree(worktree, await openRepository(order, ctx), undefined, ctx);
          expect(existsSync(join(worktree.path, '.git'))).toBe(true);
          await removeWorktree(worktree, ctx);
        }),
      );
    }
    expect(execFileSync('git', ['worktree', 'list', '--porcelain'], { cwd: dir, encoding: 'utf8' }).match(/^worktree /gm)).toHaveLength(1);
  });
});
