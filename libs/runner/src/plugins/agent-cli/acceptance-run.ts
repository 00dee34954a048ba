import type { PluginContext } from '@sc/plugin-sdk';
import type { StoredWorkOrder } from '@sc/schemas';
import { agentSandbox, scratchDirOf } from './agent-sandbox';
import type { Worktree } from './worktree';

/** How the acceptance commands went in one worktree. */
export interface AcceptanceRun {
  worktree: Worktree;
  /** How many commands ran; they stop at the first that fails. */
  ran: number;
  /** The exit code of the last command run (0 when all passed or there were none). */
  exitCode: number | null;
}

// Each command's output kept in the log artifact is capped, like the shell plugin's.
const maxOutputChars = 256 * 1024;

/**
 * Runs the work-order's `acceptance` command lines in the worktree, in order, until one exits non-zero.
 * Output lines go to the Round's log, the transcript to the artifact `<phase>/<agent>.log`.
 */
export async function runAcceptance(worktree: Worktree, order: StoredWorkOrder, ctx: PluginContext): Promise<AcceptanceRun> {
  const commands = order.acceptance ?? [];
  const agent = worktree.agent.name;
  const transcript: string[] = [];
  let exitCode: number | null = 0;
  // The work-order's commands run confined like its agents: they are as much outside input.
  const sandbox = commands.length > 0 ? await agentSandbox(worktree, scratchDirOf(worktree), order, ctx) : undefined;
  for (const command of commands) {
    const result = await ctx.exec(command, {
      cwd: worktree.path,
      sandbox,
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
