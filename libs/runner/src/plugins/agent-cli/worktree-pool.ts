import type { PluginContext } from '@sc/plugin-sdk';
import { createHash } from 'node:crypto';
import { lstat, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { GitError, runGit } from './git';
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
   * left; false when the pool has none. Call it holding the repository's worktree lock.
   */
  async claim(path: string): Promise<boolean> {
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
      return true;
    }
    return false;
  }

  /**
   * Makes the worktree at `path` hold nothing but its commit's files — every change, untracked and ignored
   * file gone (checked with `git status --ignored` afterwards) and HEAD detached, so its branch is free — and
   * moves it into the pool. False when it is not a worktree of this repository, could not be made clean, or
   * the pool is full: the caller removes it instead.
   */
  async park(path: string, ctx: PluginContext): Promise<boolean> {
    const name = await this.adminNameOf(path);
    if (name === undefined) return false;
    try {
      const commit = await runGit(ctx, path, ['rev-parse', '--verify', 'HEAD']);
      await runGit(ctx, path, ['update-ref', '--no-deref', 'HEAD', commit]);
      await runGit(ctx, path, ['reset', '--hard', '--quiet']);
      // Twice -f: also nested repositories an agent cloned; -x: ignored files too (node_modules, .env, builds).
      await runGit(ctx, path, ['clean', '-ffdxq']);
      const left = await runGit(ctx, path, ['status', '--porcelain', '--ignored', '--untracked-files=all']);
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

  /**
   * The name of the worktree at `path` in this repository, or undefined when its `.git` is not the file git
   * wrote for it (an agent may rewrite anything in its worktree: such a worktree is never reused).
   */
  private async adminNameOf(path: string): Promise<string | undefined> {
    const gitFile = join(path, '.git');
    if (!(await lstat(gitFile).catch(() => undefined))?.isFile()) return undefined;
    const admin = /^gitdir: (.+)\n?$/.exec(await readFile(gitFile, 'utf8'))?.[1];
    if (admin === undefined || dirname(admin) !== join(this.gitDir, 'worktrees')) return undefined;
    return basename(admin);
  }
}
