import type { AgentSandbox, PluginContext } from '@sc/plugin-sdk';
import type { Worktree } from './worktree';

/** How a list of command lines went in one worktree. */
export interface CommandLinesRun {
  worktree: Worktree;
  /** How many commands ran; they stop at the first that fails. */
  ran: number;
  /** The exit code of the last command run (0 when all passed or there were none). */
  exitCode: number | null;
}

// Each command's output kept in the log artifact is capped, like the shell plugin's.
const maxOutputChars = 256 * 1024;

/**
 * Runs command lines (the work-order's `acceptance`, or `setup`) in the worktree through `/bin/sh -c`, in
 * order, until one exits non-zero, each confined by `sandbox` — they are outside input as much as the agents
 * are — with `env` added. Output lines go to the Round's log, the transcript to the artifact
 * `<phase>/<agent>.log`.
 */
export async function runCommandLines(worktree: Worktree, commands: readonly string[], sandbox: AgentSandbox, env: Record<string, string>, ctx: PluginContext): Promise<CommandLinesRun> {
  const agent = worktree.agent.name;
  const transcript: string[] = [];
  let exitCode: number | null = 0;
  for (const command of commands) {
    const result = await ctx.exec(command, {
      cwd: worktree.path,
      sandbox,
      env,
      tailChars: maxOutputChars,
      onStdout: (line) => ctx.logger.info({ agent, stream: 'stdout', command }, line),
      onStderr: (line) => ctx.logger.warn({ agent, stream: 'stderr', command }, line),
    });
    exitCode = result.exitCode;
    transcript.push(`$ ${command}\n${result.stdoutTail}${result.stderrTail}[exit ${result.exitCode ?? result.signal}]\n`);
    if (exitCode !== 0) break;
  }
  if (commands.length > 0) await ctx.writeArtifact(`${ctx.phase}/${agent}.log`, transcript.join('\n'));
  return { worktree, ran: transcript.length, exitCode };
}
