import type { ValidationIssue } from './validate';
import type { RoundState } from './round-state';
import type { AgentSession, CommitRef, ReportStatus } from './report.types';
import type { WorkerHeartbeat } from './worker-heartbeat';

/** Answer of `POST /workorders` (also for a repeated submit with the same `id` or `Idempotency-Key`). */
export interface SubmitWorkOrderResponse {
  workorder_id: string;
  round_id: string;
  status: 'queued';
}

/** One stored state change of a Round. */
export interface RoundTransitionView {
  from: RoundState | null;
  to: RoundState;
  reason: string;
  attempt: number;
  at: string;
}

/** A Round as `GET /rounds` lists it. */
export interface RoundSummaryView {
  id: string;
  workorder_id: string;
  title: string;
  plugin: string;
  state: RoundState;
  attempt: number;
  priority: number;
  labels: string[];
  branch: string;
  worker: string | null;
  report_status: ReportStatus | null;
  created_at: string;
  updated_at: string;
  started_at: string | null;
  finished_at: string | null;
  /**
   * When a `waiting` Round runs again: the reset time of the model's rate or usage limit it waits out. null in
   * every other state (set on entering `waiting`, cleared on leaving it, whichever way).
   */
  resumes_at: string | null;
}

/** A Round as `GET /rounds/:id` shows it: the summary plus every transition, oldest first. */
export interface RoundView extends RoundSummaryView {
  transitions: RoundTransitionView[];
  /** Commits recorded for the Round (`POST /rounds/:id/commits`), oldest first. */
  commits: CommitRef[];
  /** The agents' sessions of every attempt, from their Reports, oldest attempt first. */
  sessions: AgentSession[];
  /** The pull request the Round opened or updated on GitHub; absent when it has none. */
  pull_request?: RoundPullRequestView;
}

/**
 * Answer of `POST /rounds/:id/pull-request` (`sc pr`): the pull request of the Round's branch, and what was
 * done — `opened` a new one, `updated` the body of the one this Round opened before (and commented the new
 * attempt), or `commented` on one opened by someone else (its body is left alone).
 */
export interface PullRequestResult extends RoundPullRequestView {
  round_id: string;
  action: 'opened' | 'updated' | 'commented';
}

/** A pull request a Round opened or updated (work-order `pull_request`, or `sc pr`). */
export interface RoundPullRequestView {
  number: number;
  url: string;
}

/** Answer of `POST /rounds/:id/commits`: the commit as recorded (recording the same sha again changes nothing). */
export interface RecordedCommitView extends CommitRef {
  round_id: string;
  recorded_at: string;
}

/** One page of `GET /rounds`; pass `next_cursor` as `?cursor=` for the next page (null on the last one). */
export interface RoundPage {
  items: RoundSummaryView[];
  next_cursor: string | null;
}

/** Query of `GET /rounds`. */
export interface ListRoundsQuery {
  status?: RoundState;
  plugin?: string;
  label?: string;
  /** The Round's branch, exactly (`sc commit` finds the Round of a work-order branch with it). */
  branch?: string;
  /** Rounds whose id starts with this (lower-case hex digits and dashes): the CLI takes unique id prefixes. */
  id_prefix?: string;
  /** 1..200, default 50. */
  limit?: number;
  cursor?: string;
}

/** Every error answer of the API. `details` lists each failing JSON path for a 400. */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  details?: ValidationIssue[];
}

/** One check of `GET /health`: `up`, or `down` with a `message` saying why. */
export interface HealthIndicatorView {
  status: 'up' | 'down';
  message?: string;
}

/**
 * The `workers` part of `GET /health`: the worker processes whose heartbeat has not expired, each with how it
 * confines agents. Always `up`: no worker, or a list Redis did not give, does not make the orchestrator unhealthy.
 */
export interface WorkersHealthView {
  status: 'up';
  /** By name. */
  processes: WorkerHeartbeat[];
  /** Set when the list could not be read: it is unknown, not empty. */
  message?: string;
}

/** The checks of `GET /health`, by name. */
export interface HealthChecksView {
  database?: HealthIndicatorView;
  redis?: HealthIndicatorView;
  workers?: WorkersHealthView;
}

/** `GET /health` answering 200 (Terminus's shape): every check is up. */
export interface HealthView {
  status: 'ok';
  /** The checks that are up. */
  info: HealthChecksView;
  /** The checks that are down: none on a 200. */
  error: HealthChecksView;
  /** Every check. */
  details: HealthChecksView;
}

/** `GET /health` answering 503, in the shape of every error answer: `details` holds every check, a failing one `down`. */
export interface HealthUnavailableView extends Omit<ErrorBody, 'details'> {
  details: HealthChecksView;
}
