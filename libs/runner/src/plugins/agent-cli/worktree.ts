import type { PluginContext } from '@sc/plugin-sdk';
import type { Agent, CommitRef, StoredWorkOrder } from '@sc/schemas';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import { lock } from 'proper-lockfile';
import { probeGit, runGit } from './git';
import { originUrl } from './push';
import { resolveBase, type Repository } from './repository';

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
export function planWorktrees(order: StoredWorkOrder, ctx: Pick<PluginContext, 'dataDir' | 'roundId' | 'attempt'>): Worktree[] {
  const agents = order.agents ?? [];
  if (agents.length === 0) throw new Error('agent-cli needs at least one entry in agents');
  // The worker's round ids are UUIDs; this keeps any other id from naming a folder outside worktrees/.
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(ctx.roundId) || ctx.roundId.includes('..')) throw new Error(`round id ${JSON.stringify(ctx.roundId)} cannot name a folder`);
  const root = join(ctx.dataDir, 'worktrees', ctx.roundId, String(ctx.attempt));
  return agents.map((agent) => ({ agent, path: join(root, agent.name), branch: agents.length > 1 ? `${order.branch}-${agent.name}` : order.branch }));
}

/**
 * Creates the worktree on its branch from `base_ref`, or reuses it when this attempt already made it (a
 * later phase). A branch that already exists (an earlier attempt's) is checked out as it is, so a retry
 * continues from the work committed before.
 */
export async function ensureWorktree(worktree: Worktree, repository: Repository, baseRef: string | undefined, ctx: PluginContext): Promise<void> {
  if (existsSync(join(worktree.path, '.git'))) return;
  await mkdir(dirname(worktree.path), { recursive: true });
  const gitDir = await runGit(ctx, repository.dir, ['rev-parse', '--path-format=absolute', '--git-common-dir']);
  await withWorktreeLock(gitDir, ctx, async () => {
    // Forget worktrees whose folders were deleted, or git still counts their branches as checked out.
    await runGit(ctx, repository.dir, ['worktree', 'prune']);
    const branchExists = await probeGit(ctx, repository.dir, ['rev-parse', '--verify', '--quiet', '--end-of-options', `refs/heads/${worktree.branch}`]);
    if (branchExists.ok) {
      await reclaimBranch(worktree, repository, ctx);
      await runGit(ctx, repository.dir, ['worktree', 'add', '--quiet', '--', worktree.path, worktree.branch]);
    } else {
      const base = await resolveBase(repository, baseRef, ctx);
      await runGit(ctx, repository.dir, ['worktree', 'add', '--quiet', '-b', worktree.branch, '--', worktree.path, base]);
    }
  });
}

// The tail of each repository's queue of worktree changes in this process (see withWorktreeLock).
const worktreeQueues = new Map<string, Promise<unknown>>();

/**
 * Runs `fn` while no other Round on this host changes the repository's worktrees. Git writes a new worktree's
 * files under `.git/worktrees/` one by one, and a concurrent `worktree add`, `prune` or `list` that reads the
 * half-written entry dies ("failed to read …/commondir"). Rounds of this process queue in memory; other
 * processes are kept out by a lock folder in the repository's git dir (proper-lockfile: a holder killed with
 * -9 goes stale after 10 s).
 */
async function withWorktreeLock<T>(gitDir: string, ctx: Pick<PluginContext, 'logger'>, fn: () => Promise<T>): Promise<T> {
  const previous = worktreeQueues.get(gitDir) ?? Promise.resolve();
  const turn = previous.catch(() => undefined).then(async () => {
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

/**
 * Frees the branch when an earlier run of this same Round still has it checked out: a worker killed mid-round
 * never removed its attempt's worktree, and git refuses to check a branch out twice. Only a worktree under
 * this Round's own folder is removed (forced: what it did not commit is lost with the worker that made it); a
 * branch held anywhere else stays, and `git worktree add` says where.
 */
async function reclaimBranch(worktree: Worktree, repository: Repository, ctx: PluginContext): Promise<void> {
  const roundDir = dirname(dirname(worktree.path));
  const listed = await runGit(ctx, repository.dir, ['worktree', 'list', '--porcelain']);
  for (const entry of listed.split('\n\n')) {
    const path = /^worktree (.+)$/m.exec(entry)?.[1];
    const isOnBranch = entry.split('\n').includes(`branch refs/heads/${worktree.branch}`);
    if (!path || !isOnBranch || !path.startsWith(`${roundDir}${sep}`)) continue;
    await runGit(ctx, repository.dir, ['worktree', 'remove', '--force', '--force', '--', path]);
    ctx.logger.warn({ path, branch: worktree.branch }, 'stale worktree of an earlier run removed');
  }
}

/**
 * Commits everything that changed in the worktree (`git add -A`), with `Work-Order: <id>` as a trailer;
 * undefined when nothing changed. Hooks are skipped (`--no-verify`): a failing pre-commit hook must not
 * lose an agent's work — the testing phase is where checks belong.
 */
export async function commitWorktree(worktree: Worktree, message: CommitMessage, ctx: PluginContext): Promise<CommitRef | undefined> {
  if (!existsSync(join(worktree.path, '.git'))) return undefined;
  await runGit(ctx, worktree.path, ['add', '-A']);
  const staged = await probeGit(ctx, worktree.path, ['diff', '--cached', '--quiet']);
  if (staged.ok) return undefined;
  const hasIdentity = (await probeGit(ctx, worktree.path, ['config', 'user.email'])).ok;
  const trailers = [`Work-Order: ${message.workorderId}`, `Round: ${message.roundId}`].join('\n');
  await runGit(ctx, worktree.path, [...(hasIdentity ? [] : fallbackIdentity), 'commit', '--quiet', '--no-verify', '-m', message.subject, '-m', message.body, '-m', trailers]);
  const sha = await runGit(ctx, worktree.path, ['rev-parse', 'HEAD']);
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

/** Removes the worktree folder; its branch and commits stay in the repository. */
export async function removeWorktree(worktree: Worktree, ctx: PluginContext): Promise<void> {
  if (!existsSync(join(worktree.path, '.git'))) return;
  // The repository is found from the worktree itself, so a cached clone is not fetched again to clean up.
  const gitDir = await runGit(ctx, worktree.path, ['rev-parse', '--path-format=absolute', '--git-common-dir']);
  await withWorktreeLock(gitDir, ctx, () => runGit(ctx, dirname(worktree.path), ['--git-dir', gitDir, 'worktree', 'remove', '--force', '--', worktree.path]));
}
