/* Generated from libs/schemas/schemas by scripts/generate-schema-types.js — do not edit. */

/**
 * This interface was referenced by `Report`'s JSON-Schema
 * via the `definition` "status".
 */
export type ReportStatus = 'success' | 'failure' | 'timeout' | 'cancelled' | 'error';

/**
 * The outcome of one attempt of a Round. Schema version 1.4 (the @1 in the file name is the major).
 */
export interface Report {
  schema_version?: string;
  round_id: string;
  workorder_id: string;
  status: ReportStatus;
  summary: string;
  /**
   * What went wrong, when status is not success.
   */
  error?: string;
  started_at?: string;
  finished_at?: string;
  phases: PhaseResult[];
  token_usage: TokenUsage[];
  cost_usd: number;
  artifacts: ArtifactRef[];
  commits: CommitRef[];
  /**
   * The agent CLIs' sessions of this attempt, their transcripts kept as artifacts under sessions/<agent>/ (since 1.2).
   *
   * @maxItems 64
   */
  sessions?: AgentSession[];
  selection?: AgentSelection;
  attempt: number;
  worker: string;
}
export interface PhaseResult {
  name: string;
  status: ReportStatus;
  started_at: string;
  finished_at: string;
  exit_code: number | null;
  error?: string;
  /**
   * Tool calls an agent asked for and its CLI refused (since 1.2).
   *
   * @maxItems 100
   */
  refusals?: ToolRefusal[];
}
export interface ToolRefusal {
  agent: string;
  tool: string;
  detail?: string;
}
/**
 * What the model API delivered to one agent for one model: input (not read from or written to the cache), output, cache reads and cache writes, disjoint counts; and what they cost.
 */
export interface TokenUsage {
  agent: string;
  model: string;
  input: number;
  output: number;
  /**
   * Input tokens read from the prompt cache (since 1.2).
   */
  cache_read?: number;
  /**
   * Input tokens written to the prompt cache (since 1.2).
   */
  cache_write?: number;
  /**
   * What these tokens cost in USD; null when the model has no known price (since 1.2).
   */
  cost_usd?: number | null;
}
export interface ArtifactRef {
  name: string;
  uri: string;
  bytes: number;
  sha256: string;
}
export interface CommitRef {
  sha: string;
  branch?: string;
  message?: string;
  /**
   * The URL of the remote the branch goes to (the repository's origin as configured, credentials removed), so that the orchestrator finds the GitHub repository of a local checkout (since 1.3).
   */
  remote?: string;
}
export interface AgentSession {
  agent: string;
  attempt: number;
  session_id: string;
  /**
   * The attempt whose session this one continued; null when it started afresh.
   */
  resumed_from_attempt?: number | null;
}
/**
 * How a select: best work-order's agents were compared in the testing phase (since 1.4): the winner, whose branch the review diff and pull request use, and the others; no winner when none passed.
 */
export interface AgentSelection {
  winner?: AgentResult;
  /**
   * @maxItems 16
   */
  others: AgentResult[];
}
/**
 * One agent of a select: best Round: its branch, how its acceptance went and what it cost.
 *
 * This interface was referenced by `Report`'s JSON-Schema
 * via the `definition` "agentResult".
 */
export interface AgentResult {
  agent: string;
  model: string;
  branch: string;
  /**
   * Its agent phases succeeded and every acceptance command passed in its worktree.
   */
  passed: boolean;
  /**
   * Acceptance commands that failed in its worktree (0 when it did not get to them).
   */
  failed_commands: number;
  /**
   * One line: how its phases and acceptance went.
   */
  result: string;
  /**
   * What its model calls cost in USD, every model summed; null when some had no known price.
   */
  cost_usd: number | null;
}
