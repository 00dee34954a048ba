import { ExecStartError, type ExecResult, type ModelRoute, type PluginContext } from '@sc/plugin-sdk';
import { durationToMs, type Agent, type StoredWorkOrder, type ToolRefusal } from '@sc/schemas';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { reasonOf } from '../../errors';
import { agentCommand, agentInstructions, type AgentCommand } from './agent-command';
import { agentSandbox, scratchDirOf } from './agent-sandbox';
import { IdleWatchdog } from './idle-watchdog';
import { forgetSession, planContinuation, rememberSession, type Continuation } from './session-continuity';
import { keepSession, SessionCheckpoints } from './session-records';
import { noUsage, type AgentUsage, type TokenStream } from './token-streams/token-stream';
import type { Worktree } from './worktree';

/** How one agent's run ended. */
export interface AgentRun {
  worktree: Worktree;
  exitCode: number | null;
  /** Tool calls the agent's CLI refused. */
  refusals: ToolRefusal[];
  /** The CLI's session, when it printed one (its transcripts are artifacts under `sessions/<agent>/`). */
  sessionId?: string;
  /** The earlier attempt whose session this run continued. */
  resumedFrom?: number;
  /** How a retry went for this agent: resumed its earlier session, or started over and why. */
  resumption?: string;
  /** Why the agent did not finish (`claude could not start: ENOENT, not found on PATH`, `idle_timeout: …`). */
  error?: string;
  /** It went silent twice (see {@link IdleWatchdog}): its phase ends timed out. */
  idle?: boolean;
}

// The work-order's `idle_timeout` when it sets none.
const defaultIdleTimeout = 'PT10M';

// The end of each agent's output kept in its log artifact; stream-json is verbose.
const logTailChars = 256 * 1024;

/**
 * Runs one agent in its worktree through `ctx.exec` in a sandbox (its worktree writable, nothing else; no
 * variable of the worker but allowed ones; nothing of it outlives the phase or the worker), with the
 * instructions on stdin. A built-in CLI reaches its model only through a route of the model gateway,
 * which counts every answer's tokens as they stream and refuses calls past the budget; an agent with its own
 * `command` is counted from its output instead. Its output goes to the artifact `<phase>/<agent>.log`. `env`
 * holds the agent's own variables (where it runs, its ports).
 */
export async function runAgent(
  worktree: Worktree,
  order: StoredWorkOrder,
  env: Record<string, string>,
  ctx: PluginContext,
): Promise<AgentRun> {
  const { agent } = worktree;
  const instructions = agentInstructions(order.instructions, agent, order.agents?.length ?? 1);
  const command = agentCommand(agent);
  const watchdog = new IdleWatchdog(durationToMs(agent.idle_timeout ?? order.idle_timeout ?? defaultIdleTimeout));
  const checkpoints = new SessionCheckpoints(ctx);
  let modelActivity = 0;
  const route = command.template
    ? await ctx.openModelRoute({
        provider: command.template.provider,
        agent: agent.name,
        onActivity: () => {
          modelActivity++;
          watchdog.touch();
          checkpoints.request();
        },
      })
    : undefined;
  const run = (continuation?: Continuation) =>
    runCommand({ worktree, order, command, instructions, route, watchdog, checkpoints, env, continuation }, ctx);
  try {
    await mkdir(scratchDirOf(worktree), { recursive: true });
    const continuation = await planContinuation(worktree, command, scratchDirOf(worktree), ctx);
    const earlier = ctx.resumeFrom?.sessions.some((session) => session.agent === agent.name)
      ? ctx.resumeFrom.attempt
      : undefined;
    let resumption =
      earlier === undefined
        ? undefined
        : continuation?.sessionId
          ? `resumed its session of attempt ${earlier}`
          : `could not resume its session of attempt ${earlier} (no transcript kept): started over`;
    const activityBefore = modelActivity;
    let first = await run(continuation);
    // A CLI that cannot continue the session (a transcript it does not read, a version that resumes differently)
    // fails before any model call: the agent starts over rather than failing the attempt.
    const couldNotResume =
      continuation?.sessionId &&
      !first.idle &&
      first.exitCode !== null &&
      first.exitCode !== 0 &&
      modelActivity === activityBefore &&
      !ctx.signal.aborted;
    if (couldNotResume) {
      ctx.logger.warn(
        { agent: agent.name, session_id: continuation.sessionId, exit_code: first.exitCode },
        'session not resumed: the CLI could not continue it; starting over',
      );
      resumption = `could not resume its session ${continuation.sessionId} (${first.error ?? `the CLI exited ${first.exitCode ?? 'by signal'}`}): started over`;
      first = await run({
        note: 'Your earlier session could not be resumed, so you start over; the work committed so far is on this branch.',
      });
    }
    if (resumption) first = { ...first, resumption };
    if (!first.idle) return first;
    // Stopped for silence: once more, continuing its session (a hung stream or a stuck CLI seldom hangs twice).
    const seconds = Math.round(watchdog.idleMs / 1000);
    ctx.logger.warn(
      { agent: agent.name, idle_s: seconds, session_id: first.sessionId },
      'agent idle: stopped, resuming it once',
    );
    const note = `You were stopped after ${seconds} s without any output or model call (the work-order's idle timeout) and are being resumed. Your changes so far are in the worktree; continue the work-order where you left off.`;
    const second = await run({
      note,
      ...(first.sessionId ? { sessionId: first.sessionId, fromAttempt: first.resumedFrom } : {}),
    });
    if (!second.idle) return second;
    return {
      ...second,
      error: `idle_timeout: ${agent.name} had no output and made no model call for ${seconds} s, twice`,
    };
  } finally {
    watchdog.disarm();
    await route?.close();
    // Only a run whose worker was killed leaves its session for the next run of this attempt to take over.
    await forgetSession(scratchDirOf(worktree));
  }
}

/** What one run of an agent needs. */
interface CommandRun {
  worktree: Worktree;
  order: StoredWorkOrder;
  command: AgentCommand;
  instructions: string;
  route: ModelRoute | undefined;
  watchdog: IdleWatchdog;
  checkpoints: SessionCheckpoints;
  env: Record<string, string>;
  continuation?: Continuation;
}

async function runCommand(run: CommandRun, ctx: PluginContext): Promise<AgentRun> {
  const { worktree, order, command, route, watchdog, checkpoints, continuation } = run;
  const { agent } = worktree;
  // A resumed session has the instructions already; an agent that starts over gets them again after the note.
  // What the attempt asks besides them (a review, a failed check) comes last either way.
  const followUp = ctx.followUp ? `\n\n${ctx.followUp}` : '';
  const instructions = continuation
    ? continuation.sessionId && command.template
      ? `${continuation.note}${followUp}`
      : `${continuation.note}\n\n${run.instructions}${followUp}`
    : `${run.instructions}${followUp}`;
  // Beside the worktree, not in it: nothing here may be committed (runAgent made it).
  const scratchDir = scratchDirOf(worktree);
  const instructionsFile = join(scratchDir, 'instructions.md');
  await writeFile(instructionsFile, instructions);
  for (const [name, content] of Object.entries(command.template?.files ?? {})) {
    await mkdir(dirname(join(scratchDir, name)), { recursive: true });
    await writeFile(join(scratchDir, name), content);
  }
  const output = command.template?.createOutputReader();
  let remembered = continuation?.sessionId;
  const tokens = command.template ? undefined : command.createTokenStream();
  const report = tokens ? usageReporter(agent, ctx) : undefined;
  const env: Record<string, string | undefined> = {
    ...run.env,
    SC_INSTRUCTIONS_FILE: instructionsFile,
    SC_MODEL: agent.model,
    SC_ROLE: agent.role,
  };
  if (route && command.template) Object.assign(env, command.template.env(route, agent, scratchDir));
  const options = {
    cwd: worktree.path,
    sandbox: await agentSandbox(worktree, scratchDir, order, agent.tools === 'read-only'),
    tailChars: logTailChars,
    input: instructions,
    env,
    signal: watchdog.arm(),
    onStdout: (line: string) => {
      watchdog.touch();
      output?.read(line);
      // Kept at once: a run of this attempt that takes over after a killed worker continues this session.
      if (output?.sessionId && output.sessionId !== remembered) {
        void rememberSession(scratchDir, (remembered = output.sessionId)).catch(() => undefined);
        if (command.template)
          checkpoints.begin({ agent: agent.name, template: command.template, scratchDir, sessionId: remembered });
      }
      readUsage(tokens, line, report);
    },
    onStderr: (line: string) => {
      watchdog.touch();
      output?.readStderr?.(line);
    },
  };
  ctx.logger.info({ agent: agent.name, model: agent.model, branch: worktree.branch }, 'agent started');
  let result: ExecResult;
  try {
    if (command.template) {
      const args = command.template.args(agent, route!);
      result = await ctx.exec(
        command.template.file,
        continuation?.sessionId ? command.template.resume(args, continuation.sessionId) : args,
        options,
      );
    } else {
      result = await ctx.exec(command.commandLine, options);
    }
  } catch (error) {
    await checkpoints.end();
    const reason = startFailure(command, error);
    ctx.logger.error({ agent: agent.name, reason }, 'agent could not start');
    return { worktree, exitCode: null, refusals: [], error: reason };
  }
  await checkpoints.end();
  const sessionId = output?.sessionId;
  // Kept however the run ended (finished, stopped for silence, cancelled, paused), so any run can continue it.
  if (sessionId && command.template)
    await keepSession(
      { agent: agent.name, template: command.template, scratchDir, sessionId },
      ctx,
      ctx.signal.aborted ? reasonOf(ctx.signal) : undefined,
    );
  await ctx.writeArtifact(`${ctx.phase}/${agent.name}.log`, `${result.stdoutTail}${result.stderrTail}`);
  const refusals = (output?.refusals ?? []).map((refusal) => ({ agent: agent.name, ...refusal }));
  for (const refusal of refusals)
    ctx.logger.warn({ agent: agent.name, tool: refusal.tool, detail: refusal.detail }, 'tool call refused');
  watchdog.disarm();
  if (watchdog.fired)
    return {
      worktree,
      exitCode: result.exitCode,
      refusals,
      idle: true,
      ...(sessionId ? { sessionId } : {}),
    };
  const unfinished = result.exitCode === 0 ? output?.unfinished?.() : undefined;
  const resumedFrom =
    continuation?.sessionId && continuation.sessionId === sessionId ? continuation.fromAttempt : undefined;
  ctx.logger.info(
    {
      agent: agent.name,
      exit_code: result.exitCode,
      signal: result.signal,
      session_id: output?.sessionId,
      refusals: refusals.length,
      unfinished,
    },
    'agent finished',
  );
  // A CLI that exits 0 without finishing has failed all the same; 1 is what it would say if it could.
  return {
    worktree,
    exitCode: unfinished ? 1 : result.exitCode,
    refusals,
    ...(sessionId ? { sessionId } : {}),
    ...(resumedFrom ? { resumedFrom } : {}),
    ...(unfinished ? { error: unfinished } : {}),
  };
}

/** Why the agent's process did not start, with the system's code: ENOENT, EACCES, E2BIG, … */
function startFailure(command: AgentCommand, error: unknown): string {
  if (!(error instanceof ExecStartError)) return (error as Error).message;
  const what = command.template ? command.template.file : '/bin/sh';
  const hints: Record<string, string> = {
    ENOENT: 'not found on PATH',
    EACCES: 'not executable',
    E2BIG: 'arguments and environment too long',
  };
  const hint = error.code && hints[error.code] ? `, ${hints[error.code]}` : '';
  return `${what} could not start: ${error.code ?? error.message}${hint}`;
}

function readUsage(
  tokens: TokenStream | undefined,
  line: string,
  report: ((usage: AgentUsage) => void) | undefined,
): void {
  const usage = tokens?.read(line);
  if (usage) report?.(usage);
}

/**
 * Turns the running totals of an agent's stream into the per-report counts `ctx.reportTokens` takes (priced
 * by the Round's price table). A total that goes down (a stream correcting itself) reports nothing rather
 * than a negative count.
 */
function usageReporter(agent: Agent, ctx: PluginContext): (usage: AgentUsage) => void {
  const reported = noUsage();
  return (usage) => {
    const delta = {
      input: Math.max(0, usage.input - reported.input),
      output: Math.max(0, usage.output - reported.output),
      cache_read: Math.max(0, usage.cacheRead - reported.cacheRead),
      cache_write: Math.max(0, usage.cacheWrite - reported.cacheWrite),
    };
    if (Object.values(delta).every((count) => count === 0)) return;
    reported.input += delta.input;
    reported.output += delta.output;
    reported.cacheRead += delta.cache_read;
    reported.cacheWrite += delta.cache_write;
    try {
      ctx.reportTokens({ agent: agent.name, model: agent.model, ...delta });
    } catch (error) {
      // Called from the child's output stream: a throw here would be an uncaught exception in the worker.
      ctx.logger.warn({ agent: agent.name, reason: (error as Error).message }, 'token usage refused');
    }
  };
}
