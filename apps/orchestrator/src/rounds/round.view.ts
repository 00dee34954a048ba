import type {
  AgentSession,
  CommitRef,
  RecordedCommitView,
  RoundSummaryView,
  RoundTransitionView,
  RoundView,
} from '@sc/schemas';
import type { RoundCommitEntity } from './round-commit.entity';
import type { RoundTransitionEntity } from './round-transition.entity';
import type { RoundEntity } from './round.entity';

/** A stored Round as `GET /rounds` lists it. */
export function toRoundSummaryView(round: RoundEntity): RoundSummaryView {
  return {
    id: round.id,
    workorder_id: round.workorderId,
    title: round.title,
    plugin: round.plugin,
    state: round.state,
    attempt: round.attempt,
    priority: round.priority,
    labels: JSON.parse(round.labels) as string[],
    branch: round.branch,
    worker: round.worker,
    report_status: round.reportStatus,
    created_at: round.createdAt,
    updated_at: round.updatedAt,
    started_at: round.startedAt,
    finished_at: round.finishedAt,
    resumes_at: round.resumesAt,
  };
}

/** A stored Round with its transitions, commits and agents' sessions, as `GET /rounds/:id` shows it. */
export function toRoundView(
  round: RoundEntity,
  transitions: RoundTransitionEntity[],
  commits: RoundCommitEntity[],
  sessions: AgentSession[] = [],
): RoundView {
  const view: RoundView = {
    ...toRoundSummaryView(round),
    transitions: transitions.map(toTransitionView),
    commits: commits.map(toCommitRef),
    sessions,
  };
  if (round.pullRequestNumber != null && round.pullRequestUrl != null)
    view.pull_request = { number: round.pullRequestNumber, url: round.pullRequestUrl };
  return view;
}

export function toTransitionView(transition: RoundTransitionEntity): RoundTransitionView {
  return {
    from: transition.from,
    to: transition.to,
    reason: transition.reason,
    attempt: transition.attempt,
    at: transition.at,
  };
}

/** A recorded commit as a Report's `commits[]` lists it. */
export function toCommitRef(commit: RoundCommitEntity): CommitRef {
  return {
    sha: commit.sha,
    ...(commit.branch === null ? {} : { branch: commit.branch }),
    ...(commit.message === null ? {} : { message: commit.message }),
  };
}

export function toRecordedCommitView(commit: RoundCommitEntity): RecordedCommitView {
  return { ...toCommitRef(commit), round_id: commit.roundId, recorded_at: commit.createdAt };
}
