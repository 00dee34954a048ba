import { createTestContext } from '@sc/plugin-sdk/testing';
import type { StoredWorkOrder } from '@sc/schemas';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { openRepository } from './repository';
import { ensureWorktree, planWorktrees, removeWorktree } from './worktree';

const run = promisify(execFile);

function newRepository(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sc-worktree-repo-'));
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@t', ...args], { cwd: dir });
  git('init', '--quiet');
  git('commit', '--quiet', '--allow-empty', '-m', 'first');
  return dir;
}

describe(ensureWorktree.name, () => {
  it('makes and hands back the worktrees of many Rounds on one repository at once, never one to two of them', async () => {
    const dir = newRepository();
    const dataDir = mkdtempSync(join(tmpdir(), 'sc-worktree-data-'));
    const order: StoredWorkOrder = {
      id: 'wo-1',
      title: 'T',
      instructions: 'I',
      plugin: 'agent-cli',
      branch: 'feat/x',
      phases: ['coding'],
      priority: 5,
      repo: { path: dir },
    };
    // Which Round holds each worktree (git's name for it), while it holds it.
    const holders = new Map<string, string>();
    // Without a lock, git's own worktree bookkeeping races: a `worktree add` or `prune` reads another's
    // half-written entry and dies ("failed to read .git/worktrees/<name>/commondir"); three waves of 48 Rounds
    // hit it in most runs of the code without the lock. From the second wave on, worktrees come from the pool.
    for (const wave of [1, 2, 3]) {
      const rounds = Array.from({ length: 48 }, (_, index) => {
        const ctx = createTestContext({ dataDir, roundId: `round-${wave}-${index}` });
        const agents = [{ name: index % 2 ? 'codex' : 'gemini', model: 'm', role: 'coder' }];
        return { ctx, worktree: planWorktrees({ ...order, agents, branch: `feat/x-${wave}-${index}` }, ctx)[0] };
      });
      await Promise.all(
        rounds.map(async ({ ctx, worktree }) => {
          const repository = await openRepository(order, ctx);
          await ensureWorktree(worktree, repository, undefined, ctx);
          const name = readFileSync(join(worktree.path, '.git'), 'utf8').trim().split('/').pop()!;
          expect(holders.get(name)).toBeUndefined();
          holders.set(name, ctx.roundId);
          // Held across an await, as an agent holds it while it runs.
          expect((await run('git', ['symbolic-ref', 'HEAD'], { cwd: worktree.path })).stdout.trim()).toBe(
            `refs/heads/${worktree.branch}`,
          );
          holders.delete(name);
          await removeWorktree(worktree, repository, ctx);
        }),
      );
    }
    // The repository's own worktree and the pool's eight, each detached, holding no branch.
    const listed = execFileSync('git', ['worktree', 'list', '--porcelain'], { cwd: dir, encoding: 'utf8' })
      .trim()
      .split('\n\n');
    expect(listed).toHaveLength(9);
    expect(listed.slice(1).every((entry) => entry.includes('\ndetached'))).toBe(true);
  });
});
