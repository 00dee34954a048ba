import type { ExecResult, PluginContext } from '@sc/plugin-sdk';
import type { Agent, StoredWorkOrder } from '@sc/schemas';
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { agentCommand, agentInstructions } from './agent-command';
import type { AgentUsage } from './token-streams/token-stream';
import type { Worktree } from './worktree';

/** How one agent's run ended. */
export interface AgentRun {
  worktree: Worktree;
  exitCode: number | null;
  /** The agent's usage as its stream reported it (zeros when it reported none). */
  usage: AgentUsage;
  /** Why the agent could not run at all (not found on PATH), when it could not. */
  error?: string;
}

// The end of each agent's output kept in its log artifact; stream-json is verbose.
const logTailChars = 256 * 1024;

/**
 * Runs one agent in its worktree through `ctx.exec` (its own process group, stopped with the phase),
 * follows its token usage line by line and reports it with `ctx.reportTokens` as it comes, so that a
 * passed budget stops the agent at once. Its output goes to the artifact `<phase>/<agent>.log`.
 */
export async function runAgent(worktree: Worktree, order: StoredWorkOrder, ctx: PluginContext): Promise<AgentRun> {
  const { agent } = worktree;
  const instructions = agentInstructions(order.instructions, agent, order.agents?.length ?? 1);
  const command = agentCommand(agent, instructions);
  // Beside the worktree, not in it: the file must not be committed. Agent names never start with a dot.
  const instructionsFile = join(dirname(worktree.path), `.${agent.name}.instructions.md`);
  await writeFile(instructionsFile, instructions);
  const tokens = command.createTokenStream();
  const report = usageReporter(agent, ctx);
  let usage: AgentUsage = { input: 0, output: 0 };
  const options = {
    cwd: worktree.path,
    tailChars: logTailChars,
    env: {
      SC_INSTRUCTIONS: instructions,
      SC_INSTRUCTIONS_FILE: instructionsFile,
      SC_AGENT: agent.name,
      SC_MODEL: agent.model,
      SC_ROLE: agent.role,
      SC_PHASE: ctx.phase,
      SC_WORKORDER_ID: ctx.workorderId,
      SC_ROUND_ID: ctx.roundId,
    },
    onStdout: (line: string) => {
      const next = tokens.read(line);
      if (!next) return;
      usage = next;
      report(next);
    },
  };
  ctx.logger.info({ agent: agent.name, model: agent.model, branch: worktree.branch }, 'agent started');
  let result: ExecResult;
  try {
    result = 'file' in command ? await ctx.exec(command.file, command.args, options) : await ctx.exec(command.commandLine, options);
  } catch (error) {
    // exec rejects only when the process cannot start; for a template that means the CLI is missing.
    const reason = 'file' in command ? `${command.file} not found on PATH or not executable` : (error as Error).message;
    ctx.logger.error({ agent: agent.name, reason }, 'agent could not start');
    return { worktree, exitCode: null, usage, error: reason };
  }
  await ctx.writeArtifact(`${ctx.phase}/${agent.name}.log`, `${result.stdoutTail}${result.stderrTail}`);
  ctx.logger.info({ agent: agent.name, exit_code: result.exitCode, signal: result.signal, input: usage.input, output: usage.output }, 'agent finished');
  return { worktree, exitCode: result.exitCode, usage };
}

/**
 * Turns the running totals of an agent's stream into the per-report counts `ctx.reportTokens` takes. A
 * total that goes down (a stream correcting itself) reports nothing rather than a negative count.
 */
function usageReporter(agent: Agent, ctx: PluginContext): (usage: AgentUsage) => void {
  const reported = { input: 0, output: 0, costUsd: 0 };
  return (usage) => {
    const input = Math.max(0, usage.input - reported.input);
    const output = Math.max(0, usage.output - reported.output);
    const cost = Math.max(0, (usage.costUsd ?? 0) - reported.costUsd);
    if (input === 0 && output === 0 && cost === 0) return;
    reported.input += input;
    reported.output += output;
    reported.costUsd += cost;
    try {
      ctx.reportTokens({ agent: agent.name, model: agent.model, input, output, ...(cost > 0 ? { cost_usd: cost } : {}) });
    } catch (error) {
      // Called from the child's output stream: a throw here would be an uncaught exception in the worker.
      ctx.logger.warn({ agent: agent.name, reason: (error as Error).message }, 'token usage refused');
    }
  };
}
