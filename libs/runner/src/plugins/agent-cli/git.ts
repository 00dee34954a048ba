import type { PluginContext } from '@sc/plugin-sdk';

// Never wait for a password or a passphrase: a worker has no terminal, and a prompt would hang the phase.
const gitEnv = {
  GIT_TERMINAL_PROMPT: '0',
  GIT_ASKPASS: 'echo',
  SSH_ASKPASS: 'echo',
  GIT_SSH_COMMAND: 'ssh -oBatchMode=yes',
};

/** A git command that exited non-zero, with what git said. */
export class GitError extends Error {
  override readonly name = 'GitError';

  constructor(
    readonly args: readonly string[],
    readonly exitCode: number | null,
    stderr: string,
  ) {
    super(`git ${subcommandOf(args)} failed (exit ${exitCode ?? 'signal'}): ${lastLine(stderr) || 'no message'}`);
  }
}

/** The output of a git command, and whether it exited 0; for commands whose non-zero exit is an answer. */
export interface GitProbe {
  ok: boolean;
  stdout: string;
}

/** How {@link runGit} runs git. */
export interface GitOptions {
  /** Called with each line git writes to stdout, for output longer than the tail a result keeps. */
  onStdout?: (line: string) => void;
}

/**
 * Runs git in `cwd` through the phase's `exec` (its own process group, stopped with the phase). Callers put
 * `--` or `--end-of-options` before every value that comes from a work-order, so that no value can be read
 * as an option.
 */
export async function probeGit(
  ctx: Pick<PluginContext, 'exec'>,
  cwd: string,
  args: readonly string[],
): Promise<GitProbe> {
  const result = await ctx.exec('git', args, { cwd, env: gitEnv, killGraceMs: 2_000 });
  return { ok: result.exitCode === 0, stdout: result.stdoutTail.trim() };
}

/** Like {@link probeGit}, but a non-zero exit throws a {@link GitError}; resolves with the trimmed stdout. */
export async function runGit(
  ctx: Pick<PluginContext, 'exec'>,
  cwd: string,
  args: readonly string[],
  options: GitOptions = {},
): Promise<string> {
  const result = await ctx.exec('git', args, { cwd, env: gitEnv, killGraceMs: 2_000, ...options });
  if (result.exitCode !== 0) throw new GitError(args, result.exitCode, result.stderrTail);
  return result.stdoutTail.trim();
}

// git's own options that take the next argument as their value.
const optionsWithValue = new Set(['-c', '-C', '--git-dir', '--work-tree', '--namespace']);

/** The git command `args` run (`commit` of `-c user.name=… commit -m …`), for messages. */
function subcommandOf(args: readonly string[]): string {
  return args.find((arg, index) => !arg.startsWith('-') && !optionsWithValue.has(args[index - 1])) ?? '';
}

function lastLine(text: string): string {
  return text.trim().split('\n').pop()?.trim() ?? '';
}
