/* Generated from libs/schemas/schemas by scripts/generate-schema-types.js — do not edit. */

/**
 * This interface was referenced by `Report`'s JSON-Schema
 * via the `definition` "status".
 */
export type ReportStatus = 'success' | 'failure' | 'timeout' | 'cancelled' | 'error';

/**
 * The outcome of one attempt of a Round. Schema version 1.1 (the @1 in the file name is the major).
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
}
export interface TokenUsage {
  agent: string;
  model: string;
  input: number;
  output: number;
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
}
