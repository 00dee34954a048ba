import type { AgentSandbox, PluginContext } from '@sc/plugin-sdk';
import type { StoredWorkOrder } from '@sc/schemas';
import { mkdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { runGit } from './git';
import type { Worktree } from './worktree';

/**
 * What an agent (or an acceptance command) of `worktree` may touch: the worktree, its own scratch folder
 * beside it (its home), and of the repository's git data only what a commit writes — objects, refs, reflogs
 * and the worktree's own admin folder; the repository's config and hooks, and its working tree, stay
 * read-only. `readOnly` (an agent with `tools: "read-only"`) leaves it only its scratch folder to write.
 * Network and limits come from the work-order's `sandbox`.
 */
export async function agentSandbox(
  worktree: Worktree,
  scratchDir: string,
  order: StoredWorkOrder,
  ctx: PluginContext,
  readOnly = false,
): Promise<AgentSandbox> {
  const [commonDir, adminDir] = (
    await runGit(ctx, worktree.path, ['rev-parse', '--path-format=absolute', '--git-common-dir', '--git-dir'])
  ).split('\n');
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
