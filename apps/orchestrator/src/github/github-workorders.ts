import type { StoredWorkOrder, WorkOrder } from '@sc/schemas';
import type { GitHubIssuePayload, GitHubRepositoryPayload } from './github-events';

/** The label that hands an issue to Solar Circuit. */
export const ScLabel = 'sc';

/** A pull request's branches, as the bot reads them from the API. */
export interface PullRequestRef {
  number: number;
  title: string;
  /** Its web URL, which a Round that opened it keeps. */
  url: string;
  headRef: string;
  headSha: string;
  headCloneUrl: string;
  /** Its head branch is in another repository (a fork, or one deleted): the bot never pushes there. */
  isFork: boolean;
}

/** A work-order built from GitHub, or why the issue's settings block could not be read. */
export type GitHubWorkOrder = { ok: true; order: WorkOrder } | { ok: false; reason: string };

// The work-order schema's limits (workorder@1.json).
const maxTitle = 200;
// A fenced block opened with ```sc (YAML or JSON) in an issue body holds work-order fields.
const settingsBlock = /^```sc[ \t]*\r?\n([\s\S]*?)^```[ \t]*$/m;
// Fields of a later `/sc run` Round taken from the pull request's previous Round: how the work is done.
const inheritedFields = [
  'plugin',
  'agents',
  'phases',
  'phase_timeout',
  'budget',
  'priority',
  'acceptance',
  'pull_request',
] as const;

/**
 * The work-order an issue labelled `sc` asks for: its title, its body as the instructions, its repository
 * and default branch. A fenced ```sc block in the body (YAML or JSON) adds work-order fields — `plugin`,
 * `agents`, `acceptance`, `pull_request`… — and is left out of the instructions; `title`, `instructions`,
 * `repo` and the GitHub labels and params stay the issue's.
 */
export function toIssueWorkOrder(issue: GitHubIssuePayload, repository: GitHubRepositoryPayload): GitHubWorkOrder {
  const body = issue.body ?? '';
  const block = settingsBlock.exec(body);
  const settings = block ? readSettings(block[1]) : {};
  if (typeof settings === 'string') return { ok: false, reason: settings };
  const text = (block ? body.replace(block[0], '') : body).trim();
  const { labels, params, ...fields } = settings as Partial<WorkOrder>;
  const order: WorkOrder = {
    ...fields,
    title: truncate(issue.title.trim() || `Issue #${issue.number}`, maxTitle),
    instructions: text || issue.title.trim() || `Issue #${issue.number}`,
    repo: { url: repository.clone_url, base_ref: safeRef(repository.default_branch) },
    labels: unique(['github', `github-issue:${issue.number}`, ...(Array.isArray(labels) ? labels : [])]),
    params: {
      ...(isObject(params) ? params : {}),
      github: { repository: repository.full_name, issue_number: issue.number, issue_url: issue.html_url },
    },
  };
  return { ok: true, order };
}

/**
 * The work-order of `/sc run [plugin] [text]` on a pull request: a new Round that continues the pull request's branch.
 * It does the work the way the pull request's previous Round did (`previous`: its plugin, agents,
 * acceptance…), unless the comment names another plugin.
 */
export function toPullRequestWorkOrder(
  pull: PullRequestRef,
  repository: GitHubRepositoryPayload,
  command: { plugin?: string; text: string },
  previous?: StoredWorkOrder,
): WorkOrder {
  const inherited: Partial<WorkOrder> = {};
  for (const field of inheritedFields)
    if (previous?.[field] !== undefined) Object.assign(inherited, { [field]: previous[field] });
  return {
    ...inherited,
    title: truncate(`PR #${pull.number}: ${command.text.split('\n')[0] || pull.title}`, maxTitle),
    instructions: command.text || pull.title.trim() || `Pull request #${pull.number}`,
    ...(command.plugin === undefined ? {} : { plugin: command.plugin }),
    repo: { url: pull.headCloneUrl, base_ref: safeRef(pull.headRef) },
    branch: pull.headRef,
    // The pull request's branch is the point: its earlier Rounds' commits are what the comment asks to build on.
    continue_branch: true,
    labels: ['github', `github-pr:${pull.number}`],
    params: { github: { repository: repository.full_name, pull_request: pull.number } },
  };
}

/** The settings block as an object, or the reason it is not one. */
function readSettings(text: string): Record<string, unknown> | string {
  // Loaded on the first block, not with the module: a start-up cost for every orchestrator, GitHub or not.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { parse: parseYaml } = require('yaml') as typeof import('yaml');
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (error) {
    return `the \`\`\`sc block is not YAML or JSON: ${(error as Error).message.split('\n')[0]}`;
  }
  if (value === null || value === undefined) return {};
  return isObject(value) ? value : 'the ```sc block must hold work-order fields (a mapping)';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function unique(values: unknown[]): string[] {
  return [...new Set(values.map(String))];
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** A ref the schema accepts; GitHub allows characters in branch names the schema refuses, then HEAD is used. */
function safeRef(ref: string): string {
  return /^[A-Za-z0-9._/-]{1,255}$/.test(ref) ? ref : 'HEAD';
}
