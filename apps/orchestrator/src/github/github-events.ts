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

/** The payload as an `issues` `labeled` event, or undefined. */
export function asIssueLabeled(payload: unknown): IssueLabeledEvent | undefined {
  if (!isRecord(payload) || payload.action !== 'labeled' || !isRecord(payload.label) || typeof payload.label.name !== 'string') return undefined;
  return isIssue(payload.issue) && isRepository(payload.repository) ? (payload as unknown as IssueLabeledEvent) : undefined;
}

/** The payload as an `issue_comment` `created` event, or undefined. */
export function asIssueCommentCreated(payload: unknown): IssueCommentCreatedEvent | undefined {
  if (!isRecord(payload) || payload.action !== 'created' || !isRecord(payload.comment) || typeof payload.comment.body !== 'string') return undefined;
  if (!isRecord(payload.comment.user) || typeof payload.comment.user.type !== 'string') return undefined;
  return isIssue(payload.issue) && isRepository(payload.repository) ? (payload as unknown as IssueCommentCreatedEvent) : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isIssue(value: unknown): value is GitHubIssuePayload {
  return isRecord(value) && Number.isInteger(value.number) && typeof value.title === 'string' && (value.body === null || typeof value.body === 'string');
}

function isRepository(value: unknown): value is GitHubRepositoryPayload {
  return isRecord(value) && typeof value.full_name === 'string' && typeof value.clone_url === 'string' && typeof value.default_branch === 'string';
}
