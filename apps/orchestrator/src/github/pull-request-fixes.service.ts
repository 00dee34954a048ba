import { Inject, Injectable, Logger } from '@nestjs/common';
import { IllegalTransitionError } from '@sc/schemas';
import { createHash } from 'node:crypto';
import { ORCHESTRATOR_CONFIG, type OrchestratorConfig } from '../config/orchestrator.config';
import { RoundLinksService } from '../rounds/round-links.service';
import { RoundsService } from '../rounds/rounds.service';
import type { CheckRunCompletedEvent, GitHubRepositoryPayload, WorkflowRunCompletedEvent } from './github-events';
import type { PullRequestRef } from './github-workorders';
import { GitHubClient } from './github.client';
import { GitHubRepository } from './github.repository';
import { ScCheckName } from './check-run';
import {
  checkFix,
  checkFixReasonPrefix,
  LogTailChars,
  renderFixLimitComment,
  renderFixQueuedComment,
  type PullRequestFix,
} from './pull-request-fix';

/** What the webhook answers GitHub: 200 when an attempt was queued, 202 with the reason when not. */
export interface FixOutcome {
  status: 200 | 202;
  body: { result: string; round_id?: string };
}

// Conclusions of a check or workflow run that ask for a fix; `cancelled`, `neutral`, `skipped`… do not.
const failedConclusions = new Set(['failure', 'timed_out']);

/**
 * The PR loop: a review requesting changes, an `/sc fix` comment, or a failed check on the head commit of a
 * pull request a Round opened starts a new attempt of that Round on the same branch, resuming its agents'
 * sessions with what the pull request asks as `follow_up`. Its commits go to the same pull request (the
 * worker pushes, {@link PullRequestsService} updates it when the attempt ends). Attempts nobody asked the bot
 * for (reviews, checks) stop at `SC_PR_FIX_LIMIT` per pull request; a fork's branch is never pushed to.
 */
@Injectable()
export class PullRequestFixesService {
  private readonly logger = new Logger(PullRequestFixesService.name);

  constructor(
    @Inject(ORCHESTRATOR_CONFIG) private readonly config: OrchestratorConfig,
    private readonly client: GitHubClient,
    private readonly repository: GitHubRepository,
    private readonly links: RoundLinksService,
    private readonly rounds: RoundsService,
  ) {}

  /**
   * Starts the attempt `fix` asks for on pull request `number`, when a Round opened it. `headSha`: the commit a
   * check ran on, which must still be the pull request's head (a check of an older commit is moot).
   */
  async fix(
    repository: GitHubRepositoryPayload,
    number: number,
    fix: PullRequestFix | ((pull: PullRequestRef) => Promise<PullRequestFix>),
    headSha?: string,
  ): Promise<FixOutcome> {
    const name = repository.full_name;
    const pull = await this.client.getPullRequest(name, number).catch((error: unknown) => {
      // A payload naming a pull request GitHub does not know asks for nothing; an outage is retried by redelivery.
      if ((error as { status?: unknown }).status === 404) return undefined;
      throw error;
    });
    if (!pull) return ignored(`pull request #${number} not found`);
    if (headSha !== undefined && pull.headSha !== headSha)
      return ignored(`commit ${headSha.slice(0, 12)} is no longer the head of #${number}`);
    const link = await this.links.findByPullRequest(pull.url);
    if (!link) return ignored(`pull request #${number} was not opened by a Round`);
    if (headSha !== undefined && (await this.links.countFixes(pull.url, checkFixReasonPrefix(headSha))) > 0) {
      return ignored(`a fix of commit ${headSha.slice(0, 12)} was started already`);
    }
    if (pull.isFork)
      return this.refuse(
        name,
        number,
        'its head branch is in another repository (a fork), and Solar Circuit never pushes to forks',
      );
    const wanted = typeof fix === 'function' ? await fix(pull) : fix;
    const limit = this.config.prFixLimit;
    if (wanted.isAutomatic && link.automaticFixes >= limit) {
      // Every failed job of a commit sends its own events: the pull request hears of the limit once per head commit.
      const isToldAlready =
        headSha !== undefined &&
        !(await this.repository.recordDelivery(
          limitNoticeKey(pull.url, headSha),
          'pr_fix_limit',
          new Date().toISOString(),
        ));
      return isToldAlready
        ? ignored(`SC_PR_FIX_LIMIT (${limit}) reached`)
        : this.refuse(name, number, renderFixLimitComment(limit, wanted), false);
    }
    let attempt: number;
    try {
      attempt = (await this.rounds.retry(link.roundId, { followUp: wanted.followUp, reason: wanted.reason })).attempt;
    } catch (error) {
      if (!(error instanceof IllegalTransitionError)) throw error;
      // The Round is still at work (queued, running, awaiting review); a person who asked is told so.
      const reason = `Round \`${link.roundId}\` has not ended (${error.message}); ask again when it has`;
      return headSha === undefined ? this.refuse(name, number, reason) : ignored(reason);
    }
    this.logger.log(
      { round_id: link.roundId, repository: name, pull_request: number, attempt, reason: wanted.reason },
      'pull request fix queued',
    );
    await this.commentQueued(name, number, link.roundId, attempt, wanted);
    return { status: 200, body: { result: 'fix attempt queued', round_id: link.roundId } };
  }

  /** A failed check run on a pull request's head commit; Actions jobs give their log's end, others their output. */
  async onCheckRun(event: CheckRunCompletedEvent): Promise<FixOutcome> {
    const run = event.check_run;
    // The check run each attempt posts: its failure is the Round's own, never a reason to fix.
    if (run.name === ScCheckName) return ignored('the check run of Solar Circuit itself');
    if (!failedConclusions.has(run.conclusion ?? ''))
      return ignored(`check run ${run.conclusion ?? 'without conclusion'}`);
    const repository = event.repository.full_name;
    const output = [run.output?.title, run.output?.summary, run.output?.text]
      .filter((part): part is string => typeof part === 'string' && part !== '')
      .join('\n\n');
    const log = async () => (run.app?.slug === 'github-actions' ? this.logTail(repository, run.id) : output);
    return this.fixEach(event.repository, run.pull_requests, run.head_sha, async (number) =>
      checkFix(number, {
        name: run.name,
        sha: run.head_sha,
        conclusion: run.conclusion ?? 'failure',
        log: await log(),
      }),
    );
  }

  /** A failed workflow run on a pull request's head commit: its first failed job's name and log's end. */
  async onWorkflowRun(event: WorkflowRunCompletedEvent): Promise<FixOutcome> {
    const run = event.workflow_run;
    if (!failedConclusions.has(run.conclusion ?? ''))
      return ignored(`workflow run ${run.conclusion ?? 'without conclusion'}`);
    const repository = event.repository.full_name;
    return this.fixEach(event.repository, run.pull_requests, run.head_sha, async (number) => {
      const [job] = await this.client.failedJobs(repository, run.id).catch((error: unknown) => {
        this.logger.warn({ repository, run_id: run.id, err: error }, 'failed jobs not read');
        return [];
      });
      const name = [run.name, job?.name].filter(Boolean).join(' / ') || `workflow run ${run.id}`;
      return checkFix(number, {
        name,
        sha: run.head_sha,
        conclusion: run.conclusion ?? 'failure',
        log: job ? await this.logTail(repository, job.id) : '',
      });
    });
  }

  /** The end of an Actions job's log; without it (no Actions: read permission, logs expired) the fix still starts. */
  private async logTail(repository: string, jobId: number): Promise<string> {
    return this.client.jobLogTail(repository, jobId, LogTailChars).catch((error: unknown) => {
      this.logger.warn({ repository, job_id: jobId, err: error }, 'job log not read');
      return '';
    });
  }

  /** A check names every pull request of the repository at that commit: the first a Round opened is fixed. */
  private async fixEach(
    repository: GitHubRepositoryPayload,
    pulls: { number: number }[],
    headSha: string,
    build: (number: number) => Promise<PullRequestFix>,
  ): Promise<FixOutcome> {
    let outcome = ignored('no pull request of this repository has that commit as its head');
    for (const { number } of pulls) {
      outcome = await this.fix(repository, number, () => build(number), headSha);
      if (outcome.status === 200) break;
    }
    return outcome;
  }

  /** Says on the pull request why nothing starts (`why`, or `text` as the whole comment), and answers 202. */
  private async refuse(repository: string, number: number, text: string, isReason = true): Promise<FixOutcome> {
    const body = isReason ? `Solar Circuit did not start a fix: ${text}` : text;
    this.logger.log({ repository, pull_request: number, reason: body }, 'pull request fix refused');
    await this.client
      .createComment(repository, number, body)
      .catch((error: unknown) =>
        this.logger.warn({ repository, pull_request: number, err: error }, 'github comment not posted'),
      );
    return { status: 202, body: { result: `ignored: ${body}` } };
  }

  /**
   * The Round's bot comment says the new attempt is queued (and is edited again when it ends); a Round with
   * none yet (submitted through the API) gets one on the pull request. A failed comment does not undo the attempt.
   */
  private async commentQueued(
    repository: string,
    number: number,
    roundId: string,
    attempt: number,
    fix: PullRequestFix,
  ): Promise<void> {
    const github = this.config.github;
    const text = renderFixQueuedComment(roundId, attempt, fix, github.isEnabled ? github.publicUrl : undefined);
    try {
      const link = await this.repository.findLink(roundId);
      if (link?.commentId) {
        await this.client.updateComment(link.repository, link.commentId, text);
      } else {
        if (!link)
          await this.repository.insertLink({
            roundId,
            repository,
            issueNumber: number,
            isPullRequest: true,
            commentId: null,
            createdAt: new Date().toISOString(),
          });
        await this.repository.setCommentId(
          roundId,
          await this.client.createComment(link?.repository ?? repository, link?.issueNumber ?? number, text),
        );
      }
      await this.repository.markEnded(roundId, null);
    } catch (error) {
      this.logger.warn(
        { round_id: roundId, repository, pull_request: number, err: error },
        'github comment not posted',
      );
    }
  }
}

/** The key under which the limit notice of a head commit is recorded once, in the deliveries table (64 characters at most). */
function limitNoticeKey(pullUrl: string, headSha: string): string {
  return `pr-fix-limit:${createHash('sha256').update(`${pullUrl}@${headSha}`).digest('hex').slice(0, 48)}`;
}

function ignored(result: string): FixOutcome {
  return { status: 202, body: { result: `ignored: ${result}` } };
}
