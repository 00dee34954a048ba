import type { PluginContext } from '@sc/plugin-sdk';
import type { Agent, CommitRef, StoredWorkOrder } from '@sc/schemas';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { probeGit, runGit } from './git';
import { envTemplateFile } from './env-template';
import { originUrl } from './push';
import { resolveBase, type Repository } from './repository';
import { withWorktreeLock } from './worktree-lock';
import {
  allBut,
  nestedRepositories,
  probeWorktreeGit,
  readWorktreeLinks,
  recordWorktreeLinks,
  restoreWorktreeLinks,
  runWorktreeGit,
} from './worktree-git';
import { WorktreePool } from './worktree-pool';

/** Where one agent of one attempt works. */
export interface Worktree {
  agent: Agent;
  /** `<dataDir>/worktrees/<round_id>/<attempt>/<agent>`. */
  path: string;
  /** The work-order's `branch`, suffixed `-<agent>` when there are several agents. */
  branch: string;
}

// Identity for commits when the repository has none configured (a fresh CI machine); never overrides one.
const fallbackIdentity = ['-c', 'user.name=Solar Circuit', '-c', 'user.email=solar-circuit@localhost'];

/** The worktrees of the work-order's agents for this attempt (paths and branches; nothing is created). */
export function planWorktrees(
  order: StoredWorkOrder,
  ctx: Pick<PluginContext, 'dataDir' | 'roundId' | 'attempt'>,
): Worktree[] {
  const agents = order.agents ?? [];
  if (agents.length === 0) throw new Error('agent-cli needs at least one entry in agents');
  // The worker's round ids are UUIDs; this keeps any other id from naming a folder outside worktrees/.
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(ctx.roundId) || ctx.roundId.includes('..'))
    throw new Error(`round id ${JSON.stringify(ctx.roundId)} cannot name a folder`);
  const root = join(ctx.dataDir, 'worktrees', ctx.roundId, String(ctx.attempt));
  return agents.map((agent) => ({
    agent,
    path: join(root, agent.name),
    branch: agents.length > 1 ? `${order.branch}-${agent.name}` : order.branch,
  }));
}

/**
 * Creates the worktree on its branch from `base_ref` — from the repository's pool of clean worktrees when it
 * has one ({@link WorktreePool}), else by `git worktree add` — or reuses it when this attempt already made it
 * (a later phase). A branch that already exists (an earlier attempt's) is checked out as it is, so a retry
 * continues from the work committed before.
 */
export async function ensureWorktree(
  worktree: Worktree,
  repository: Repository,
  baseRef: string | undefined,
  ctx: PluginContext,
): Promise<void> {
  if (existsSync(join(worktree.path, '.git'))) {
    if (!(await readWorktreeLinks(worktree)))
      throw new Error(`worktree ${worktree.path} has no record of its git links: the worker will not run git in it`);
    return;
  }
  await mkdir(dirname(worktree.path), { recursive: true });
  const ref = `refs/heads/${worktree.branch}`;
  const isPooled = await withWorktreeLock(repository.gitDir, ctx, async () => {
    // Forget worktrees whose folders were deleted, or git still counts their branches as checked out.
    await runGit(ctx, repository.dir, ['worktree', 'prune']);
    const branchExists = (
      await probeGit(ctx, repository.dir, ['rev-parse', '--verify', '--quiet', '--end-of-options', ref])
    ).ok;
    const base = branchExists ? undefined : await resolveBase(repository, baseRef, ctx);
    const holder = branchExists ? await reclaimBranch(worktree, repository, ctx) : undefined;
    if (holder !== undefined) throw new Error(`branch ${worktree.branch} is already checked out at '${holder}'`);
    const pooled = await new WorktreePool(ctx.dataDir, repository.gitDir).claim(worktree.path);
    if (pooled !== undefined) {
      await recordWorktreeLinks(worktree, pooled);
      // Refs by plumbing: the branch is known to be free, and `checkout` would write every differing file here.
      if (base !== undefined)
        await runGit(ctx, repository.dir, ['update-ref', '-m', `branch: Created from ${base}`, ref, base, '']);
      await runWorktreeGit(ctx, worktree, ['symbolic-ref', 'HEAD', ref]);
      return true;
    }
    await runGit(ctx, repository.dir, [
      'worktree',
      'add',
      '--quiet',
      ...(base === undefined
        ? ['--', worktree.path, worktree.branch]
        : ['-b', worktree.branch, '--', worktree.path, base]),
    ]);
    // Read before any agent ran here: the admin folder git chose (`<name>`, or `<name>1` when that is taken).
    const gitFile = await readFile(join(worktree.path, '.git'), 'utf8');
    await recordWorktreeLinks(worktree, resolve(worktree.path, gitFile.replace(/^gitdir: /, '').trim()));
    return false;
  });
  // Outside the lock (the worktree is this Round's now): writes only the files that differ from its last commit.
  if (isPooled) await runWorktreeGit(ctx, worktree, ['reset', '--hard', '--quiet']);
}

/**
 * Frees the branch when an earlier run of this same Round still has it checked out: a worker killed mid-round
 * never removed its attempt's worktree, and git refuses to check a branch out twice. Only a worktree under
 * this Round's own folder is removed (forced: what it did not commit is lost with the worker that made it); a
 * branch held anywhere else stays, and its path is returned.
 */
async function reclaimBranch(
  worktree: Worktree,
  repository: Repository,
  ctx: PluginContext,
): Promise<string | undefined> {
  const roundDir = dirname(dirname(worktree.path));
  const listed = await runGit(ctx, repository.dir, ['worktree', 'list', '--porcelain']);
  let holder: string | undefined;
  for (const entry of listed.split('\n\n')) {
    const path = /^worktree (.+)$/m.exec(entry)?.[1];
    const isOnBranch = entry.split('\n').includes(`branch refs/heads/${worktree.branch}`);
    if (!path || !isOnBranch) continue;
    if (!path.startsWith(`${roundDir}${sep}`)) {
      holder = path;
      continue;
    }
    await runGit(ctx, repository.dir, ['worktree', 'remove', '--force', '--force', '--', path]);
    ctx.logger.warn({ path, branch: worktree.branch }, 'stale worktree of an earlier run removed');
  }
  return holder;
}

/**
 * Commits everything that changed in the worktree (`git add -A`), with `Work-Order: <id>` as a trailer;
 * undefined when nothing changed. Its git links are put back first and the worker's git runs nothing the agent
 * wrote (see worktree-git.ts); a repository nested in it stays at the commit the agent's own `git add` gave it.
 * Hooks are skipped (`--no-verify`): a failing pre-commit hook must not lose an agent's work — the testing phase
 * is where checks belong. The `.env` rendered from the repository's `.sc/env.template` is left out: its ports and
 * names are this agent's only.
 */
export async function commitWorktree(
  worktree: Worktree,
  message: CommitMessage,
  ctx: PluginContext,
): Promise<CommitRef | undefined> {
  if (!(await restoreWorktreeLinks(worktree))) return undefined;
  const nested = await nestedRepositories(ctx, worktree);
  await runWorktreeGit(ctx, worktree, ['add', '-A', '--', ...allBut(nested)]);
  // Unstaged after the fact: an exclude pathspec naming an ignored .env makes `git add` fail.
  if (existsSync(join(worktree.path, envTemplateFile)))
    await runWorktreeGit(ctx, worktree, ['reset', '--quiet', '--', '.env']);
  const staged = await probeWorktreeGit(ctx, worktree, ['diff', '--cached', '--quiet']);
  if (staged.ok) return undefined;
  const hasIdentity = (await probeWorktreeGit(ctx, worktree, ['config', 'user.email'])).ok;
  const trailers = [`Work-Order: ${message.workorderId}`, `Round: ${message.roundId}`].join('\n');
  await runWorktreeGit(ctx, worktree, [
    ...(hasIdentity ? [] : fallbackIdentity),
    'commit',
    '--quiet',
    '--no-verify',
    '-m',
    message.subject,
    '-m',
    message.body,
    '-m',
    trailers,
  ]);
  const sha = await runWorktreeGit(ctx, worktree, ['rev-parse', 'HEAD']);
  const remote = await originUrl(ctx, worktree.path);
  return { sha, branch: worktree.branch, message: message.subject, ...(remote === undefined ? {} : { remote }) };
}

/** What a commit of {@link commitWorktree} says. */
export interface CommitMessage {
  subject: string;
  body: string;
  workorderId: string;
  roundId: string;
}

/**
 * Hands the worktree back to the repository's pool, reset clean, or removes it when it cannot be reused; its
 * branch and commits stay in the repository.
 */
export async function removeWorktree(worktree: Worktree, repository: Repository, ctx: PluginContext): Promise<void> {
  // Its links as the worker made them: `git worktree remove` deletes the folder the admin folder's `gitdir` names.
  const links = await restoreWorktreeLinks(worktree);
  if (!links) return;
  if (await new WorktreePool(ctx.dataDir, repository.gitDir).park(worktree, links.adminDir, ctx)) return;
  await withWorktreeLock(repository.gitDir, ctx, () =>
    runGit(ctx, dirname(worktree.path), [
      '--git-dir',
      repository.gitDir,
      'worktree',
      'remove',
      '--force',
      '--',
      worktree.path,
    ]),
  );
}
