import {
  definePlugin,
  SDK_API_VERSION,
  type PhaseEnding,
  type PhaseOutcome,
  type Plugin,
  type PluginContext,
} from '@sc/plugin-sdk';
import type { CommitRef, StoredWorkOrder } from '@sc/schemas';
import { rm, rmdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { defaultAgentCliSettings, type AgentCliSettings } from './agent-cli-settings';
import { assertAgentRunnable } from './agent-command';
import { runAgent, type AgentRun } from './agent-run';
import {
  assertSelectable,
  Contests,
  describeSelection,
  isBestOf,
  selectBest,
  type Contestant,
} from './agent-selection';
import { AgentRuntimes } from './agent-runtimes';
import { agentSandbox, scratchDirOf } from './agent-sandbox';
import { runCommandLines, type CommandLinesRun } from './command-lines';
import { pushBranches } from './push';
import { openRepository } from './repository';
import { storeReviewDiff } from './review-diff';
import { commitWorktree, ensureWorktree, planWorktrees, removeWorktree, type Worktree } from './worktree';
import { readWorktreeLinks } from './worktree-git';
import { setUpWorktree, type WorktreeSetup } from './worktree-setup';

/**
 * Runs coding-agent CLIs on the work-order's repository, each agent in a git worktree of its own on its own
 * branch, all agents in parallel. `setup` makes the worktrees (from the repository's pool of clean ones when it
 * has one), gives each agent its ports and `.env`, restores caches and runs the setup commands. The `testing`
 * phase runs the `acceptance` commands in every worktree; any other phase runs the agents. After each agent
 * phase — also one that timed out, was cancelled or passed the budget — `finalize` commits what changed in
 * each worktree with a `Work-Order:` trailer. With `select: "best"`, an agent that fails drops out instead of
 * failing the phase, and testing picks the winner whose branch is diffed and pushed. When the Round ends, the worktrees go back to the pool (or are
 * removed) and the ports are freed; the branches and their commits stay. See README.md beside this file.
 */
export function createAgentCliPlugin(settings: AgentCliSettings = defaultAgentCliSettings): Plugin {
  const runtimes = new AgentRuntimes(settings);
  const contests = new Contests();
  return definePlugin({
    name: 'agent-cli',
    version: '1.0.0',
    apiVersion: SDK_API_VERSION,
    description:
      'Runs claude, codex, gemini or your own agent command in git worktrees, commits their work, runs acceptance there.',
    async setup(order, ctx) {
      const worktrees = planWorktrees(order, ctx);
      assertSelectable(order);
      worktrees.forEach((worktree) => assertAgentRunnable(worktree.agent));
      const repository = await openRepository(order, ctx);
      for (const worktree of worktrees) {
        await ensureWorktree(worktree, repository, order.repo?.base_ref, ctx);
        await runtimes.writeEnvFile(worktree, ctx);
      }
      const setups = await Promise.all(
        worktrees.map((worktree) => setUpWorktree(worktree, order, repository, runtimes, ctx)),
      );
      return setupOutcome(setups.filter((setup) => setup !== undefined));
    },
    handle(order, ctx) {
      const worktrees = planWorktrees(order, ctx);
      if (!isBestOf(order))
        return ctx.phase === 'testing'
          ? testWorktrees(worktrees, order, runtimes, ctx)
          : runAgents(worktrees, order, runtimes, ctx);
      const contest = contests.of(ctx);
      const running = worktrees.filter((worktree) => !contest.dropped.has(worktree.agent.name));
      if (ctx.phase !== 'testing') return runAgents(running, order, runtimes, ctx, contest.dropped);
      return testBestOf(worktrees, contest, order, runtimes, ctx);
    },
    async finalize(order, ctx, ending) {
      if (!order.agents?.length) return undefined;
      const worktrees = planWorktrees(order, ctx);
      const commits =
        ctx.phase === 'testing' || ctx.phase === 'setup' ? [] : await commitAll(worktrees, order, ctx, ending);
      if (isRoundEnding(order, ctx.phase, ending)) {
        const winner = contests.of(ctx).selection?.winner;
        contests.end(ctx);
        // Best of N: the diff and the pull request are the winner's alone; the others' branches stay local.
        const shipped = winner ? worktrees.filter((worktree) => worktree.agent.name === winner.agent) : worktrees;
        await releaseWorktrees(worktrees, order, runtimes, ctx);
        const isReviewed = order.review?.required === true && ending.status === 'success';
        // Opened only when needed: a Round that never got a repository (a refused repo.path) ends on its first error.
        const repository =
          isReviewed || order.pull_request ? await openRepository(order, ctx, { fetch: false }) : undefined;
        if (repository && isReviewed) await storeReviewDiff(repository, shipped, order, ctx);
        // The orchestrator opens the pull request from the Report (after approval, with a review gate); the branches
        // must be on the remote first, and only this worker has them.
        if (repository && order.pull_request)
          await pushBranches(
            repository,
            shipped.map((worktree) => worktree.branch),
            ctx,
          );
      }
      if (commits.length === 0) return undefined;
      if (ending.status === 'success') return { commits };
      return {
        commits,
        summary: `${ctx.phase} ended ${ending.status}; partial work committed:\n${commits.map((commit) => `${commit.branch} ${commit.sha.slice(0, 12)}`).join('\n')}`,
      };
    },
  });
}

/** The `setup` phase's outcome: nothing when no worktree had anything to set up; failed when a command failed. */
function setupOutcome(setups: WorktreeSetup[]): PhaseOutcome | undefined {
  if (setups.length === 0) return undefined;
  const summary = setups.map((setup) => setup.summary).join('\n');
  const failed = setups.find((setup) => setup.commands && setup.commands.exitCode !== 0);
  if (!failed?.commands) return { summary, exitCode: 0 };
  return { summary, exitCode: failed.commands.exitCode, status: 'failure', error: `setup failed: ${failed.summary}` };
}

/**
 * Runs the agents in parallel. Any failing agent fails the phase; with `dropped` (best of N) a failing agent is
 * added there instead, and the phase fails only when none is left.
 */
async function runAgents(
  worktrees: Worktree[],
  order: StoredWorkOrder,
  runtimes: AgentRuntimes,
  ctx: PluginContext,
  dropped?: Map<string, string>,
): Promise<PhaseOutcome> {
  const runs = await Promise.all(
    worktrees.map(async (worktree) => runAgent(worktree, order, await runtimes.env(worktree, ctx), ctx)),
  );
  const failed = runs.find((run) => run.exitCode !== 0);
  const summary = runs.map(describeRun).join('\n');
  const refusals = runs.flatMap((run) => run.refusals);
  const sessions = runs.flatMap((run) =>
    run.sessionId
      ? [{ agent: run.worktree.agent.name, session_id: run.sessionId, resumed_from_attempt: run.resumedFrom ?? null }]
      : [],
  );
  const isOut = (run: AgentRun) => run.exitCode !== 0 || run.idle;
  if (dropped && runs.some((run) => !isOut(run))) {
    for (const run of runs.filter(isOut))
      dropped.set(run.worktree.agent.name, `${ctx.phase}: ${run.error ?? `exit ${run.exitCode ?? 'by signal'}`}`);
    return { summary, exitCode: 0, refusals, sessions };
  }
  const idle = runs.find((run) => run.idle);
  if (idle) return { summary, exitCode: idle.exitCode, status: 'timeout', error: idle.error, refusals, sessions };
  if (!failed) return { summary, exitCode: 0, refusals, sessions };
  return { summary, exitCode: failed.exitCode, status: 'failure', refusals, sessions };
}

function describeRun(run: AgentRun): string {
  const { agent, branch } = run.worktree;
  const outcome = run.error ?? `exit ${run.exitCode ?? 'by signal'}`;
  const refused =
    run.refusals.length === 0
      ? ''
      : `; ${run.refusals.length} tool call(s) refused: ${[...new Set(run.refusals.map((refusal) => refusal.tool))].join(', ')}`;
  return `${agent.name} (${agent.model}) on ${branch}: ${outcome}${refused}${run.resumption ? `; ${run.resumption}` : ''}`;
}

async function testWorktrees(
  worktrees: Worktree[],
  order: StoredWorkOrder,
  runtimes: AgentRuntimes,
  ctx: PluginContext,
): Promise<PhaseOutcome> {
  const commands = order.acceptance ?? [];
  const count = commands.length;
  const lines: string[] = [];
  let failedExitCode: number | null | undefined;
  // One worktree after the other: test suites often share caches outside the worktree.
  for (const worktree of worktrees) {
    const run = await runAcceptance(worktree, order, runtimes, ctx);
    const passed = run.exitCode === 0;
    if (!passed && failedExitCode === undefined) failedExitCode = run.exitCode;
    lines.push(
      `${worktree.agent.name} on ${worktree.branch}: ${passed ? `${count} acceptance command(s) passed` : `acceptance command ${run.ran} of ${count} exited ${run.exitCode ?? 'by signal'}`}`,
    );
  }
  const summary = lines.join('\n');
  return failedExitCode === undefined
    ? { summary, exitCode: 0 }
    : { summary, exitCode: failedExitCode, status: 'failure' };
}

/**
 * The acceptance commands in one worktree, confined like its agent and with its ports and `.env` (every one with
 * `keepGoing`, else up to the first failure); without commands, no sandbox is set up.
 */
async function runAcceptance(
  worktree: Worktree,
  order: StoredWorkOrder,
  runtimes: AgentRuntimes,
  ctx: PluginContext,
  keepGoing = false,
): Promise<Omit<CommandLinesRun, 'worktree'>> {
  const commands = order.acceptance ?? [];
  if (commands.length === 0) return { ran: 0, failed: 0, exitCode: 0 };
  const sandbox = await agentSandbox(worktree, scratchDirOf(worktree), order);
  return runCommandLines(worktree, commands, sandbox, await runtimes.env(worktree, ctx), ctx, keepGoing);
}

/**
 * Best of N's testing phase: every acceptance command in the worktree of each agent still in, one worktree after
 * the other; then the winner (see {@link selectBest}). The phase fails when no agent passed.
 */
async function testBestOf(
  worktrees: Worktree[],
  contest: ReturnType<Contests['of']>,
  order: StoredWorkOrder,
  runtimes: AgentRuntimes,
  ctx: PluginContext,
): Promise<PhaseOutcome> {
  const commands = order.acceptance ?? [];
  const contestants: Contestant[] = [];
  let firstExitCode: number | null = 0;
  for (const worktree of worktrees) {
    const droppedIn = contest.dropped.get(worktree.agent.name);
    if (droppedIn !== undefined) {
      contestants.push({ worktree, passed: false, failedCommands: 0, result: droppedIn });
      continue;
    }
    const run = await runAcceptance(worktree, order, runtimes, ctx, true);
    if (run.failed > 0 && firstExitCode === 0) firstExitCode = run.exitCode;
    const result =
      run.failed === 0
        ? `${commands.length} acceptance command(s) passed`
        : `${run.failed} of ${commands.length} acceptance command(s) failed`;
    contestants.push({ worktree, passed: run.failed === 0, failedCommands: run.failed, result });
  }
  const selection = selectBest(contestants, ctx.tokenUsage());
  contest.selection = selection;
  const summary = describeSelection(selection);
  if (selection.winner) return { summary, exitCode: 0, selection };
  return { summary, exitCode: firstExitCode, status: 'failure', error: 'no agent passed acceptance', selection };
}

async function commitAll(
  worktrees: Worktree[],
  order: StoredWorkOrder,
  ctx: PluginContext,
  ending: PhaseEnding,
): Promise<CommitRef[]> {
  const commits: CommitRef[] = [];
  const endedAs =
    ending.status === 'success'
      ? 'success'
      : `${ending.status}${ending.error ? ` (${ending.error})` : ''}; this is the partial work`;
  for (const worktree of worktrees) {
    const { agent } = worktree;
    const commit = await commitWorktree(
      worktree,
      {
        subject: worktrees.length > 1 ? `${order.title} (${agent.name})` : order.title,
        body: `Agent ${agent.name} (${agent.model}, ${agent.role}), phase ${ctx.phase}, attempt ${ctx.attempt}: the phase ended ${endedAs}.`,
        workorderId: order.id,
        roundId: ctx.roundId,
      },
      ctx,
    );
    if (commit) commits.push(commit);
  }
  return commits;
}

/**
 * Frees what the agents held (ports; a spare of each cache they used is made for the next Round), hands the
 * attempt's worktrees back to the pool or removes them, then removes the attempt's folder (which still holds
 * the agents' instruction files) and the Round's folder unless another attempt's is still in it.
 */
async function releaseWorktrees(
  worktrees: Worktree[],
  order: StoredWorkOrder,
  runtimes: AgentRuntimes,
  ctx: PluginContext,
): Promise<void> {
  for (const worktree of worktrees) await runtimes.release(worktree, ctx);
  // A setup that failed before making any worktree leaves nothing to hand back (and maybe no repository).
  const made = await Promise.all(worktrees.map(async (worktree) => (await readWorktreeLinks(worktree)) !== undefined));
  if (made.includes(true)) {
    const repository = await openRepository(order, ctx, { fetch: false });
    for (const worktree of worktrees) await removeWorktree(worktree, repository, ctx);
  }
  const attemptDir = dirname(worktrees[0].path);
  await rm(attemptDir, { recursive: true, force: true });
  await rmdir(dirname(attemptDir)).catch(() => undefined);
}

/** Whether this phase is the Round's last: it did not succeed, or no phase follows it. */
function isRoundEnding(order: StoredWorkOrder, phase: string, ending: PhaseEnding): boolean {
  return ending.status !== 'success' || order.phases.at(-1) === phase;
}
