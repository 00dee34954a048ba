import type { AgentResult, AgentSelection, StoredWorkOrder, TokenUsage, ValidationIssue, WorkOrder } from '@sc/schemas';
import type { Worktree } from './worktree';

/** Whether the work-order picks the best agent (`select: "best"`) rather than needing every one to pass. */
export function isBestOf(order: StoredWorkOrder): boolean {
  return order.select === 'best';
}

/**
 * A `select: "best"` agent-cli work-order whose last phase is not `testing`, as a validation issue (a submit
 * refuses it): the agents are compared by their acceptance there, and an agent phase after it would change the
 * branches after the choice. `phases` as stored (the schema's default filled in).
 */
export function selectionIssues(order: Pick<WorkOrder, 'plugin' | 'select' | 'phases'>): ValidationIssue[] {
  const phases = order.phases ?? [];
  if (order.plugin !== 'agent-cli' || order.select !== 'best' || phases.at(-1) === 'testing') return [];
  return [{ path: '/select', message: `select "best" needs testing as the last phase (phases: ${phases.join(', ')})` }];
}

/** Refuses what {@link selectionIssues} finds, for a work-order that did not come through a submit (`sc run`). */
export function assertSelectable(order: StoredWorkOrder): void {
  const [issue] = selectionIssues(order);
  if (issue) throw new Error(issue.message);
}

/** How one agent's worktree went in the testing phase, before its cost is known. */
export interface Contestant {
  worktree: Worktree;
  passed: boolean;
  failedCommands: number;
  result: string;
}

/**
 * The selection of a `select: "best"` Round: the passing agent with the fewest failed acceptance commands, then
 * the lowest cost (an unknown cost after every known one), then the first listed; no winner when none passed.
 */
export function selectBest(contestants: Contestant[], usage: TokenUsage[]): AgentSelection {
  const results = contestants.map(({ worktree: { agent, branch }, passed, failedCommands, result }): AgentResult => ({
    agent: agent.name,
    model: agent.model,
    branch,
    passed,
    failed_commands: failedCommands,
    result,
    cost_usd: costOf(agent.name, usage),
  }));
  const ranked = results
    .filter((result) => result.passed)
    .sort((a, b) => a.failed_commands - b.failed_commands || (a.cost_usd ?? Infinity) - (b.cost_usd ?? Infinity));
  const winner = ranked[0];
  return winner ? { winner, others: results.filter((result) => result !== winner) } : { others: results };
}

/** What an agent's model calls cost, every model summed; null when one had no known price. */
function costOf(agent: string, usage: TokenUsage[]): number | null {
  let sum = 0;
  for (const entry of usage.filter((entry) => entry.agent === agent)) {
    if (entry.cost_usd === null || entry.cost_usd === undefined) return null;
    sum += entry.cost_usd;
  }
  return Number(sum.toFixed(10));
}

/** One line per agent for the summary, the winner first. */
export function describeSelection(selection: AgentSelection): string {
  const line = (result: AgentResult) =>
    `${result.agent} (${result.model}) on ${result.branch}: ${result.result}; cost ${result.cost_usd === null ? 'unknown' : `$${result.cost_usd}`}`;
  const head = selection.winner
    ? `best of ${selection.others.length + 1}: ${line(selection.winner)}`
    : `best of ${selection.others.length}: no agent passed acceptance`;
  return [head, ...selection.others.map((other) => `  ${line(other)}`)].join('\n');
}

/**
 * What a `select: "best"` attempt learned in this process between its phases: the agents that dropped out of
 * an agent phase (they are not run again nor tested), and the selection its testing phase made (for `finalize`,
 * which stores the winner's diff and pushes its branch). An attempt runs its phases in one process: one taken
 * over after a killed worker starts again from its setup.
 */
export class Contests {
  private readonly byAttempt = new Map<string, { dropped: Map<string, string>; selection?: AgentSelection }>();

  of(ctx: { roundId: string; attempt: number }): { dropped: Map<string, string>; selection?: AgentSelection } {
    const key = `${ctx.roundId}:${ctx.attempt}`;
    let contest = this.byAttempt.get(key);
    if (!contest) this.byAttempt.set(key, (contest = { dropped: new Map() }));
    return contest;
  }

  end(ctx: { roundId: string; attempt: number }): void {
    this.byAttempt.delete(`${ctx.roundId}:${ctx.attempt}`);
  }
}
