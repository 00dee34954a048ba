import type { PluginContext } from '@sc/plugin-sdk';
import type { StoredWorkOrder } from '@sc/schemas';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { probeGit, runGit } from './git';

/** The git repository worktrees are made from. */
export interface Repository {
  /** Its directory: the work-order's `repo.path`, or the cached clone of `repo.url`. */
  dir: string;
  /** Its git dir (`--git-common-dir`, absolute): worktrees are recorded there, its lock and pool are named after it. */
  gitDir: string;
  /** True for a cached clone of `repo.url`: its up-to-date branches are `origin/<name>`. */
  isClone: boolean;
}

/**
 * The work-order's repository: `repo.path` as it is (a relative path resolved from the worker's directory,
 * refused when it climbs with `..`), or `repo.url` cloned once (bare) into `<dataDir>/repos/` and fetched on
 * every later use — unless `fetch` is false (cleaning up: the clone as it is does).
 */
export async function openRepository(
  order: StoredWorkOrder,
  ctx: PluginContext,
  { fetch = true } = {},
): Promise<Repository> {
  const { path, url } = order.repo ?? {};
  if (path !== undefined) return { ...(await checkLocalPath(path, ctx)), isClone: false };
  if (url === undefined) throw new Error('agent-cli needs repo.path or repo.url in the work-order');
  const dir = await cloneOrFetch(url, ctx, fetch);
  return { dir, gitDir: await runGit(ctx, dir, gitDirArgs), isClone: true };
}

const gitDirArgs = ['rev-parse', '--path-format=absolute', '--git-common-dir'];

async function checkLocalPath(path: string, ctx: PluginContext): Promise<Pick<Repository, 'dir' | 'gitDir'>> {
  if (!isAbsolute(path) && path.split(/[\\/]/).includes('..'))
    throw new Error(`repo.path ${JSON.stringify(path)} must not climb out with ".."`);
  const dir = resolve(path);
  if (!existsSync(dir)) throw new Error(`repo.path ${dir} does not exist`);
  const inside = await probeGit(ctx, dir, gitDirArgs);
  if (!inside.ok) throw new Error(`repo.path ${dir} is not a git repository`);
  return { dir, gitDir: inside.stdout };
}

// Remote branches land under origin/: a plain `+refs/heads/*:refs/heads/*` would overwrite the branches
// Rounds committed to in the clone.
const fetchRefspecs = ['+refs/heads/*:refs/remotes/origin/*', '+refs/tags/*:refs/tags/*'];

async function cloneOrFetch(url: string, ctx: PluginContext, fetch: boolean): Promise<string> {
  const reposDir = join(ctx.dataDir, 'repos');
  const dir = join(reposDir, createHash('sha256').update(url).digest('hex').slice(0, 24));
  if (existsSync(join(dir, 'HEAD'))) {
    if (fetch) await runGit(ctx, dir, ['fetch', '--prune', '--quiet', 'origin', ...fetchRefspecs]);
    return dir;
  }
  await mkdir(reposDir, { recursive: true });
  // Clone next to the cache, then rename: two Rounds cloning the same URL never see half a clone.
  const partial = `${dir}.${randomBytes(4).toString('hex')}.partial`;
  try {
    // ext:: runs commands; git refuses it by default, and it is refused here explicitly as well.
    await runGit(ctx, reposDir, ['-c', 'protocol.ext.allow=never', 'clone', '--bare', '--quiet', '--', url, partial]);
    await rename(partial, dir).catch((error: NodeJS.ErrnoException) => {
      if (!existsSync(join(dir, 'HEAD'))) throw error;
    });
  } finally {
    await rm(partial, { recursive: true, force: true });
  }
  return dir;
}

/**
 * The commit `base_ref` (default: the repository's HEAD) names, as a sha. In a cached clone, `origin/<ref>`
 * wins over the clone's own (stale) branch of the same name.
 */
export async function resolveBase(
  repository: Repository,
  baseRef: string | undefined,
  ctx: PluginContext,
): Promise<string> {
  const name = baseRef ?? (repository.isClone ? await defaultBranch(repository, ctx) : 'HEAD');
  const candidates = repository.isClone ? [`refs/remotes/origin/${name}`, name] : [name];
  for (const candidate of candidates) {
    const found = await probeGit(ctx, repository.dir, [
      'rev-parse',
      '--verify',
      '--quiet',
      '--end-of-options',
      `${candidate}^{commit}`,
    ]);
    if (found.ok) return found.stdout;
  }
  throw new Error(`repo.base_ref ${JSON.stringify(name)} names no commit in ${repository.dir}`);
}

async function defaultBranch(repository: Repository, ctx: PluginContext): Promise<string> {
  const head = await probeGit(ctx, repository.dir, ['symbolic-ref', '--short', 'HEAD']);
  return head.ok ? head.stdout : 'HEAD';
}
