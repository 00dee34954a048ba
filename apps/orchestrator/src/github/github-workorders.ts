import type { WorkOrder } from '@sc/schemas';
import type { GitHubIssuePayload, GitHubRepositoryPayload } from './github-events';

/** The label that hands an issue to Solar Circuit. */
export const ScLabel = 'sc';

/** A pull request's branches, as the bot reads them from the API. */
export interface PullRequestRef {
  number: number;
  title: string;
  headRef: string;
  headCloneUrl: string;
}

// The work-order schema's limits (workorder@1.json).
const maxTitle = 200;

/** The work-order an issue labelled `sc` asks for: its title, its body as the instructions, its repository. */
export function toIssueWorkOrder(issue: GitHubIssuePayload, repository: GitHubRepositoryPayload): WorkOrder {
  return {
    title: truncate(issue.title.trim() || `Issue #${issue.number}`, maxTitle),
    instructions: issue.body?.trim() || issue.title.trim() || `Issue #${issue.number}`,
    repo: { url: repository.clone_url, base_ref: safeRef(repository.default_branch) },
    labels: ['github', `github-issue:${issue.number}`],
    params: { github: { repository: repository.full_name, issue_number: issue.number, issue_url: issue.html_url } },
  };
}

/** The work-order of `/sc run [plugin] [text]` on a pull request: a new Round on the pull request's branch. */
export function toPullRequestWorkOrder(pull: PullRequestRef, repository: GitHubRepositoryPayload, command: { plugin?: string; text: string }): WorkOrder {
  const instructions = command.text || pull.title.trim() || `Pull request #${pull.number}`;
  return {
    title: truncate(`PR #${pull.number}: ${command.text.split('\n')[0] || pull.title}`, maxTitle),
    instructions,
    ...(command.plugin === undefined ? {} : { plugin: command.plugin }),
    repo: { url: pull.headCloneUrl, base_ref: safeRef(pull.headRef) },
    branch: pull.headRef,
    labels: ['github', `github-pr:${pull.number}`],
    params: { github: { repository: repository.full_name, pull_request: pull.number } },
  };
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** A ref the schema accepts; GitHub allows characters in branch names the schema refuses, then HEAD is used. */
function safeRef(ref: string): string {
  return /^[A-Za-z0-9._/-]{1,255}$/.test(ref) ? ref : 'HEAD';
}
