import { Inject, Injectable, Logger } from '@nestjs/common';
import { ORCHESTRATOR_CONFIG, type OrchestratorConfig } from '../config/orchestrator.config';
import type { PullRequestRef } from './github-workorders';

/** Octokit is ESM-only: this CommonJS app loads it with a dynamic import, on first use. */
function loadOctokit() {
  return import('@octokit/rest');
}

function loadAppAuth() {
  return import('@octokit/auth-app');
}

type Octokit = InstanceType<Awaited<ReturnType<typeof loadOctokit>>['Octokit']>;

// GitHub's own webhook timeout is 10 s; a call that takes longer has failed for our purposes too.
const requestTimeoutMs = 10_000;

/** A pull request as the bot keeps it: its number and web URL. */
export interface OpenedPullRequest {
  number: number;
  url: string;
}

/** A review's comment on a line of the diff. */
export interface ReviewLineComment {
  path: string;
  line?: number;
  body: string;
}

/** What a check run says: running, or how it ended, with a Markdown summary and a link to the Round. */
export interface CheckRunFields {
  status: 'in_progress' | 'completed';
  conclusion?: 'success' | 'failure' | 'neutral' | 'cancelled' | 'timed_out' | 'action_required';
  details_url?: string;
  output: { title: string; summary: string };
}

/** What a new pull request is opened with. */
export interface NewPullRequest {
  title: string;
  head: string;
  base: string;
  body: string;
  draft: boolean;
  labels: string[];
  reviewers: string[];
}

/** `owner/name` → Octokit's `{ owner, repo }`. */
function repoParams(repository: string): { owner: string; repo: string } {
  const [owner = '', repo = ''] = repository.split('/');
  return { owner, repo };
}

/**
 * The GitHub REST calls the bot makes, through Octokit pointed at `GITHUB_API_URL` (GitHub Enterprise, or
 * the tests' local server).
 */
@Injectable()
export class GitHubClient {
  private readonly logger = new Logger(GitHubClient.name);
  private octokit?: Promise<Octokit>;

  constructor(@Inject(ORCHESTRATOR_CONFIG) private readonly config: OrchestratorConfig) {}

  /** The head branch and clone URL of a pull request. */
  async getPullRequest(repository: string, number: number): Promise<PullRequestRef> {
    const { data } = await (await this.client()).pulls.get({ ...repoParams(repository), pull_number: number });
    return {
      number: data.number,
      title: data.title,
      url: data.html_url,
      headRef: data.head.ref,
      headSha: data.head.sha,
      headCloneUrl: data.head.repo?.clone_url ?? data.base.repo.clone_url,
      isFork: data.head.repo?.full_name !== data.base.repo.full_name,
    };
  }

  /** The comments on lines of the diff that a review made (at most 100). */
  async reviewComments(repository: string, pullNumber: number, reviewId: number): Promise<ReviewLineComment[]> {
    const { data } = await (
      await this.client()
    ).pulls.listCommentsForReview({
      ...repoParams(repository),
      pull_number: pullNumber,
      review_id: reviewId,
      per_page: 100,
    });
    return data.map((comment) => ({
      path: comment.path,
      ...(typeof comment.line === 'number' ? { line: comment.line } : {}),
      body: comment.body,
    }));
  }

  /** The jobs of a workflow run that failed (their latest attempt). */
  async failedJobs(repository: string, runId: number): Promise<{ id: number; name: string }[]> {
    const { data } = await (
      await this.client()
    ).actions.listJobsForWorkflowRun({ ...repoParams(repository), run_id: runId, filter: 'latest', per_page: 100 });
    return data.jobs
      .filter((job) => job.conclusion === 'failure' || job.conclusion === 'timed_out')
      .map((job) => ({ id: job.id, name: job.name }));
  }

  /** The last `maxChars` characters of a GitHub Actions job's log. */
  async jobLogTail(repository: string, jobId: number, maxChars: number): Promise<string> {
    const { data } = await (
      await this.client()
    ).actions.downloadJobLogsForWorkflowRun({ ...repoParams(repository), job_id: jobId });
    const text = typeof data === 'string' ? data : String(data);
    return text.length <= maxChars ? text : text.slice(-maxChars);
  }

  /** Posts a comment on an issue or pull request; returns its id. */
  async createComment(repository: string, issueNumber: number, body: string): Promise<string> {
    const { data } = await (
      await this.client()
    ).issues.createComment({ ...repoParams(repository), issue_number: issueNumber, body });
    return String(data.id);
  }

  /** Replaces the text of a comment the bot posted. */
  async updateComment(repository: string, commentId: string, body: string): Promise<void> {
    await (
      await this.client()
    ).issues.updateComment({ ...repoParams(repository), comment_id: Number(commentId), body });
  }

  /** The repository's default branch, the base of a pull request when the work-order names none. */
  async getDefaultBranch(repository: string): Promise<string> {
    const { data } = await (await this.client()).repos.get(repoParams(repository));
    return data.default_branch;
  }

  /** The open pull request whose head is `branch` of the repository itself, if any. */
  async findOpenPullRequest(repository: string, branch: string): Promise<OpenedPullRequest | undefined> {
    const params = repoParams(repository);
    const { data } = await (
      await this.client()
    ).pulls.list({ ...params, head: `${params.owner}:${branch}`, state: 'open', per_page: 1 });
    return data[0] && { number: data[0].number, url: data[0].html_url };
  }

  /** Opens a pull request, then adds its labels and asks its reviewers. */
  async createPullRequest(repository: string, request: NewPullRequest): Promise<OpenedPullRequest> {
    const octokit = await this.client();
    const params = repoParams(repository);
    const { data } = await octokit.pulls.create({
      ...params,
      title: request.title,
      head: request.head,
      base: request.base,
      body: request.body,
      draft: request.draft,
    });
    if (request.labels.length > 0)
      await octokit.issues.addLabels({ ...params, issue_number: data.number, labels: request.labels });
    if (request.reviewers.length > 0)
      await octokit.pulls.requestReviewers({ ...params, pull_number: data.number, reviewers: request.reviewers });
    return { number: data.number, url: data.html_url };
  }

  /** The commit a branch of the repository points at, or undefined when GitHub has no such branch. */
  async getBranchHead(repository: string, branch: string): Promise<string | undefined> {
    try {
      return (await (await this.client()).repos.getBranch({ ...repoParams(repository), branch })).data.commit.sha;
    } catch (error) {
      if ((error as { status?: unknown }).status === 404) return undefined;
      throw error;
    }
  }

  /** Creates a check run on a commit (a GitHub App's token only: a personal token gets 403); returns its id. */
  async createCheckRun(
    repository: string,
    check: CheckRunFields & { name: string; head_sha: string },
  ): Promise<number> {
    return (await (await this.client()).checks.create({ ...repoParams(repository), ...check })).data.id;
  }

  /** Changes a check run the bot created. */
  async updateCheckRun(repository: string, id: number, check: CheckRunFields): Promise<void> {
    await (await this.client()).checks.update({ ...repoParams(repository), check_run_id: id, ...check });
  }

  /** Replaces a pull request's body. */
  async updatePullRequestBody(repository: string, number: number, body: string): Promise<void> {
    await (await this.client()).pulls.update({ ...repoParams(repository), pull_number: number, body });
  }

  private client(): Promise<Octokit> {
    const github = this.config.github;
    if (!github.isEnabled) throw new Error(`GitHub is disabled: ${github.reason}`);
    const auth = github.auth;
    this.octokit ??= Promise.all([loadOctokit(), auth.type === 'app' ? loadAppAuth() : undefined]).then(
      ([{ Octokit }, appAuth]) =>
        new Octokit({
          // As an App, Octokit signs a JWT with the private key and trades it for installation tokens it renews.
          ...(auth.type === 'app' && appAuth
            ? {
                authStrategy: appAuth.createAppAuth,
                auth: { appId: auth.appId, privateKey: auth.privateKey, installationId: auth.installationId },
              }
            : { auth: auth.type === 'token' ? auth.token : undefined }),
          baseUrl: github.apiUrl,
          userAgent: 'solar-circuit',
          // GitHub answers in well under a second; a hung call must not hold a webhook answer or a Round's end.
          request: {
            fetch: (url: string, init?: RequestInit) =>
              fetch(url, { ...init, signal: init?.signal ?? AbortSignal.timeout(requestTimeoutMs) }),
          },
          // Octokit logs to the console by default; route it to the app's logger.
          log: {
            debug: () => undefined,
            info: () => undefined,
            warn: (message: string) => this.logger.warn({ detail: message }, 'github client warning'),
            error: (message: string) => this.logger.error({ detail: message }, 'github client error'),
          },
        }),
    );
    return this.octokit;
  }
}
