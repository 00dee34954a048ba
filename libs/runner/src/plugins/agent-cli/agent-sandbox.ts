import type { AgentSandbox } from '@sc/plugin-sdk';
import type { StoredWorkOrder } from '@sc/schemas';
import { mkdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Worktree } from './worktree';
import { readWorktreeLinks } from './worktree-git';

/**
 * What an agent (or an acceptance command) of `worktree` may touch: the worktree, its own scratch folder
 * beside it (its home), and of the repository's git data only what a commit writes — objects, refs, reflogs
 * and the worktree's own admin folder; the repository's config and hooks, and its working tree, stay
 * read-only. `readOnly` (an agent with `tools: "read-only"`) leaves it only its scratch folder to write.
 * Network and limits come from the work-order's `sandbox`. The git folders are those the worker made the
 * worktree with, never what an earlier agent wrote in its `.git` (see worktree-git.ts).
 */
export async function agentSandbox(
  worktree: Worktree,
  scratchDir: string,
  order: StoredWorkOrder,
  readOnly = false,
): Promise<AgentSandbox> {
  const links = await readWorktreeLinks(worktree);
  if (!links) throw new Error(`worktree ${worktree.path} was not made by this attempt: no agent runs in it`);
  const { commonDir, adminDir } = links;
  const gitWritable = [join(commonDir, 'objects'), join(commonDir, 'refs'), join(commonDir, 'logs'), adminDir];
  const home = join(scratchDir, 'home');
  for (const folder of [home, join(commonDir, 'logs')]) await mkdir(folder, { recursive: true });
  const { network, memory_mb: memoryMb, pids } = order.sandbox ?? {};
  // The repository as a whole is readable (read-only): its working tree when it is a checkout, itself when bare.
  const repository = basename(commonDir) === '.git' ? dirname(commonDir) : commonDir;
  return {
    writable: readOnly ? [scratchDir] : [worktree.path, scratchDir, ...gitWritable],
    readable: readOnly ? [repository, worktree.path] : [repository],
    home,
    ...(network ? { network } : {}),
    ...(memoryMb ? { memoryMb } : {}),
    ...(pids ? { pids } : {}),
  };
}

/** The agent's own folder beside its worktree (never committed): its home, settings, instructions. */
export function scratchDirOf(worktree: Worktree): string {
  return join(worktree.path, '..', `.${worktree.agent.name}`);
}
