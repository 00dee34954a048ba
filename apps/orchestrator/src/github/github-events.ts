/**
 * The parts of GitHub's webhook payloads the bot reads (see `@octokit/webhooks-examples` for whole ones).
 * A signed payload comes from GitHub, but its shape is still checked before use: a missing field means
 * "not for us", never a 500.
 */
export interface GitHubRepositoryPayload {
  full_name: string;
  clone_url: string;
  default_branch: string;
}

export interface GitHubIssuePayload {
  number: number;
  title: string;
  body: string | null;
  html_url: string;
  /** Present when the issue is a pull request. */
  pull_request?: object;
}

/** `issues` with action `labeled`. */
export interface IssueLabeledEvent {
  action: 'labeled';
  label: { name: string };
  issue: GitHubIssuePayload;
  repository: GitHubRepositoryPayload;
}

/** `issue_comment` with action `created`. */
export interface IssueCommentCreatedEvent {
  action: 'created';
  issue: GitHubIssuePayload;
  comment: { id: number; body: string; user: { login: string; type: string } };
  repository: GitHubRepositoryPayload;
}

/** A pull request as review events carry it. */
export interface GitHubPullRequestPayload {
  number: number;
  html_url: string;
}

/** `pull_request_review` with action `submitted`. */
export interface PullRequestReviewSubmittedEvent {
  action: 'submitted';
  review: { id: number; state: string; body: string | null; user: { login: string; type: string } };
  pull_request: GitHubPullRequestPayload;
  repository: GitHubRepositoryPayload;
}

/** `pull_request_review_comment` with action `created`: a comment on a line of the diff. */
export interface ReviewCommentCreatedEvent {
  action: 'created';
  comment: { id: number; body: string; path?: string; line?: number | null; user: { login: string; type: string } };
  pull_request: GitHubPullRequestPayload;
  repository: GitHubRepositoryPayload;
}

/** A check's pull requests, as `check_run` and `workflow_run` carry them (those of the repository itself only). */
interface CheckPullRequests {
  pull_requests: { number: number }[];
}

/** `check_run` with action `completed`. */
export interface CheckRunCompletedEvent {
  action: 'completed';
  check_run: CheckPullRequests & {
    id: number;
    name: string;
    head_sha: string;
    conclusion: string | null;
    html_url?: string;
    output?: { title?: string | null; summary?: string | null; text?: string | null };
    app?: { slug?: string } | null;
  };
  repository: GitHubRepositoryPayload;
}

/** `workflow_run` with action `completed`. */
export interface WorkflowRunCompletedEvent {
  action: 'completed';
  workflow_run: CheckPullRequests & {
    id: number;
    name: string | null;
    head_sha: string;
    conclusion: string | null;
    html_url?: string;
  };
  repository: GitHubRepositoryPayload;
}

/** The payload as a `pull_request_review` `submitted` event, or undefined. */
export function asReviewSubmitted(payload: unknown): PullRequestReviewSubmittedEvent | undefined {
  if (!isRecord(payload) || payload.action !== 'submitted' || !isRecord(payload.review)) return undefined;
  const review = payload.review;
  if (
    !Number.isInteger(review.id) ||
    typeof review.state !== 'string' ||
    !(review.body === null || typeof review.body === 'string') ||
    !isUser(review.user)
  )
    return undefined;
  return isPullRequest(payload.pull_request) && isRepository(payload.repository)
    ? (payload as unknown as PullRequestReviewSubmittedEvent)
    : undefined;
}

/** The payload as a `pull_request_review_comment` `created` event, or undefined. */
export function asReviewCommentCreated(payload: unknown): ReviewCommentCreatedEvent | undefined {
  if (!isRecord(payload) || payload.action !== 'created' || !isRecord(payload.comment)) return undefined;
  const comment = payload.comment;
  if (!Number.isInteger(comment.id) || typeof comment.body !== 'string' || !isUser(comment.user)) return undefined;
  return isPullRequest(payload.pull_request) && isRepository(payload.repository)
    ? (payload as unknown as ReviewCommentCreatedEvent)
    : undefined;
}

/** The payload as a `check_run` `completed` event, or undefined. */
export function asCheckRunCompleted(payload: unknown): CheckRunCompletedEvent | undefined {
  if (!isRecord(payload) || payload.action !== 'completed' || !isRecord(payload.check_run)) return undefined;
  const run = payload.check_run;
  if (
    !Number.isInteger(run.id) ||
    typeof run.name !== 'string' ||
    typeof run.head_sha !== 'string' ||
    !hasPullRequests(run)
  )
    return undefined;
  if (
    !(run.conclusion === null || typeof run.conclusion === 'string') ||
    !(run.output === undefined || run.output === null || isRecord(run.output))
  )
    return undefined;
  return isRepository(payload.repository) ? (payload as unknown as CheckRunCompletedEvent) : undefined;
}

/** The payload as a `workflow_run` `completed` event, or undefined. */
export function asWorkflowRunCompleted(payload: unknown): WorkflowRunCompletedEvent | undefined {
  if (!isRecord(payload) || payload.action !== 'completed' || !isRecord(payload.workflow_run)) return undefined;
  const run = payload.workflow_run;
  if (
    !Number.isInteger(run.id) ||
    !(run.name === null || typeof run.name === 'string') ||
    typeof run.head_sha !== 'string' ||
    !hasPullRequests(run)
  )
    return undefined;
  if (!(run.conclusion === null || typeof run.conclusion === 'string')) return undefined;
  return isRepository(payload.repository) ? (payload as unknown as WorkflowRunCompletedEvent) : undefined;
}

/** The payload as an `issues` `labeled` event, or undefined. */
export function asIssueLabeled(payload: unknown): IssueLabeledEvent | undefined {
  if (
    !isRecord(payload) ||
    payload.action !== 'labeled' ||
    !isRecord(payload.label) ||
    typeof payload.label.name !== 'string'
  )
    return undefined;
  return isIssue(payload.issue) && isRepository(payload.repository)
    ? (payload as unknown as IssueLabeledEvent)
    : undefined;
}

/** The payload as an `issue_comment` `created` event, or undefined. */
export function asIssueCommentCreated(payload: unknown): IssueCommentCreatedEvent | undefined {
  if (
    !isRecord(payload) ||
    payload.action !== 'created' ||
    !isRecord(payload.comment) ||
    typeof payload.comment.body !== 'string'
  )
    return undefined;
  if (!isUser(payload.comment.user)) return undefined;
  return isIssue(payload.issue) && isRepository(payload.repository)
    ? (payload as unknown as IssueCommentCreatedEvent)
    : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isIssue(value: unknown): value is GitHubIssuePayload {
  return (
    isRecord(value) &&
    Number.isInteger(value.number) &&
    typeof value.title === 'string' &&
    (value.body === null || typeof value.body === 'string')
  );
}

function isRepository(value: unknown): value is GitHubRepositoryPayload {
  return (
    isRecord(value) &&
    typeof value.full_name === 'string' &&
    typeof value.clone_url === 'string' &&
    typeof value.default_branch === 'string'
  );
}

function isUser(value: unknown): value is { login: string; type: string } {
  return isRecord(value) && typeof value.login === 'string' && typeof value.type === 'string';
}

function isPullRequest(value: unknown): value is GitHubPullRequestPayload {
  return isRecord(value) && Number.isInteger(value.number) && typeof value.html_url === 'string';
}

function hasPullRequests(value: Record<string, unknown>): value is Record<string, unknown> & CheckPullRequests {
  return (
    Array.isArray(value.pull_requests) &&
    value.pull_requests.every((pull) => isRecord(pull) && Number.isInteger(pull.number))
  );
}
