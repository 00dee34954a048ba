import type { AgentSandbox, PluginContext } from '@sc/plugin-sdk';
import type { Worktree } from './worktree';

/** How a list of command lines went in one worktree. */
export interface CommandLinesRun {
  worktree: Worktree;
  /** How many commands ran; they stop at the first that fails unless told to go on. */
  ran: number;
  /** How many of them failed. */
  failed: number;
  /** The exit code of the first command that failed (0 when all passed or there were none). */
  exitCode: number | null;
}

// Each command's output kept in the log artifact is capped, like the shell plugin's.
const maxOutputChars = 256 * 1024;

/**
 * Runs command lines (the work-order's `acceptance`, or `setup`) in the worktree through `/bin/sh -c`, in
 * order, until one exits non-zero (or every one, with `keepGoing`: best of N counts the failures), each
 * confined by `sandbox` — they are outside input as much as the agents are — with `env` added. Output lines go to the Round's log, the transcript to the artifact
 * `<phase>/<agent>.log`.
 */
export async function runCommandLines(
  worktree: Worktree,
  commands: readonly string[],
  sandbox: AgentSandbox,
  env: Record<string, string>,
  ctx: PluginContext,
  keepGoing = false,
): Promise<CommandLinesRun> {
  const agent = worktree.agent.name;
  const transcript: string[] = [];
  let exitCode: number | null = 0;
  let failed = 0;
  for (const command of commands) {
    const result = await ctx.exec(command, {
      cwd: worktree.path,
      sandbox,
      env,
      tailChars: maxOutputChars,
      onStdout: (line) => ctx.logger.info({ agent, stream: 'stdout', command }, line),
      onStderr: (line) => ctx.logger.warn({ agent, stream: 'stderr', command }, line),
    });
    transcript.push(
      `$ ${command}\n${result.stdoutTail}${result.stderrTail}[exit ${result.exitCode ?? result.signal}]\n`,
    );
    if (result.exitCode === 0) continue;
    if (failed++ === 0) exitCode = result.exitCode;
    // An aborted phase (timeout, cancel) stops here whatever keepGoing says.
    if (!keepGoing || ctx.signal.aborted) break;
  }
  if (commands.length > 0) await ctx.writeArtifact(`${ctx.phase}/${agent}.log`, transcript.join('\n'));
  return { worktree, ran: transcript.length, failed, exitCode };
}
