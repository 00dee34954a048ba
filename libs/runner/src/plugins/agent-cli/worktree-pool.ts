import type { PluginContext } from '@sc/plugin-sdk';
import { createHash } from 'node:crypto';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { GitError } from './git';
import { nestedRepositories, runWorktreeGit, type AgentWorktree } from './worktree-git';
import { withWorktreeLock } from './worktree-lock';

// Clean worktrees kept per repository; a Round's worktree beyond them is removed. Each is a whole checkout, so
// this bounds the disk a repository's pool takes.
const maxIdle = 8;
// What git keeps for a linked worktree in `<git dir>/worktrees/<name>/`; anything else there (a reflog,
// ORIG_HEAD, files an agent wrote: its sandbox may write this folder) goes before the worktree is reused.
const adminFiles = new Set(['HEAD', 'commondir', 'gitdir', 'index']);

/**
 * Worktrees of finished Rounds, reset clean and kept per repository in `<dataDir>/worktree-pool/<hash of the
 * git dir>/<name>`, so that a new worktree of a big repository is one rename and a `git reset --hard` to its
 * base (only the files that differ are written) instead of a checkout of every file. A worktree is moved in
 * and out of the pool under the repository's worktree lock, and git is told its new place at once, so a
 * `git worktree prune` never drops it and two agents can never be handed the same one.
 */
export class WorktreePool {
  constructor(
    private readonly dataDir: string,
    /** The repository's git dir (`--git-common-dir`), absolute. */
    private readonly gitDir: string,
  ) {}

  /**
   * Moves an idle worktree of the pool to `path` (which must not exist), detached at the commit its last Round
   * left, and returns its admin folder; undefined when the pool has none. Call it holding the repository's
   * worktree lock.
   */
  async claim(path: string): Promise<string | undefined> {
    const names = await readdir(this.dir()).catch(() => []);
    for (const name of names) {
      const moved = await rename(join(this.dir(), name), path).then(
        () => true,
        (error: NodeJS.ErrnoException) => {
          if (error.code === 'ENOENT') return false;
          throw error;
        },
      );
      if (!moved) continue;
      await this.relink(name, path);
      return join(this.gitDir, 'worktrees', name);
    }
    return undefined;
  }

  /**
   * Makes the worktree hold nothing but its commit's files — every change, untracked and ignored file gone
   * (checked with `git status --ignored` afterwards) and HEAD detached, so its branch is free — and moves it into
   * the pool. `adminDir` is its admin folder, its links put back as the worker made them (see worktree-git.ts).
   * False when it is not a worktree of this repository, could not be made clean, holds a repository of its own
   * (which no reset removes), or the pool is full: the caller removes it instead.
   */
  async park(worktree: AgentWorktree, adminDir: string, ctx: PluginContext): Promise<boolean> {
    if (dirname(adminDir) !== join(this.gitDir, 'worktrees')) return false;
    const name = basename(adminDir);
    const { path } = worktree;
    try {
      const commit = await runWorktreeGit(ctx, worktree, ['rev-parse', '--verify', 'HEAD']);
      await runWorktreeGit(ctx, worktree, ['update-ref', '--no-deref', 'HEAD', commit]);
      await runWorktreeGit(ctx, worktree, ['reset', '--hard', '--quiet']);
      // Twice -f: also nested repositories an agent cloned; -x: ignored files too (node_modules, .env, builds).
      await runWorktreeGit(ctx, worktree, ['clean', '-ffdxq']);
      const nested = await nestedRepositories(ctx, worktree);
      if (nested.length > 0) {
        ctx.logger.warn(
          { path, nested: nested.slice(0, 10) },
          'worktree holds nested repositories: removed instead of pooled',
        );
        return false;
      }
      const left = await runWorktreeGit(ctx, worktree, [
        'status',
        '--porcelain',
        '--ignored',
        '--untracked-files=all',
        '--ignore-submodules=all',
      ]);
      if (left !== '') {
        ctx.logger.warn(
          { path, left: left.split('\n').slice(0, 10) },
          'worktree not clean after reset: removed instead of pooled',
        );
        return false;
      }
    } catch (error) {
      if (!(error instanceof GitError)) throw error;
      ctx.logger.warn({ path, reason: error.message }, 'worktree could not be reset: removed instead of pooled');
      return false;
    }
    const admin = join(this.gitDir, 'worktrees', name);
    for (const file of await readdir(admin))
      if (!adminFiles.has(file)) await rm(join(admin, file), { recursive: true, force: true });
    return withWorktreeLock(this.gitDir, ctx, async () => {
      await mkdir(this.dir(), { recursive: true });
      if ((await readdir(this.dir())).length >= maxIdle) return false;
      await rename(path, join(this.dir(), name));
      await this.relink(name, join(this.dir(), name));
      return true;
    });
  }

  /** The pool's folder: one per repository. */
  private dir(): string {
    return join(this.dataDir, 'worktree-pool', createHash('sha256').update(this.gitDir).digest('hex').slice(0, 24));
  }

  /** Tells git the worktree `<git dir>/worktrees/<name>` is now at `path`. */
  private async relink(name: string, path: string): Promise<void> {
    await writeFile(join(this.gitDir, 'worktrees', name, 'gitdir'), `${join(path, '.git')}\n`);
  }
}
