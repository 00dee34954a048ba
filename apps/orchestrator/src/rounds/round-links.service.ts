import { Injectable, NotFoundException } from '@nestjs/common';
import type { CommitRef, RecordedCommitView, RoundPullRequestView } from '@sc/schemas';
import { isUniqueViolation } from '../database/unique-violation';
import { UnitOfWork } from '../database/unit-of-work';
import { toRecordedCommitView } from './round.view';
import { RoundsRepository } from './rounds.repository';

/**
 * The start of the reason of every attempt the PR loop starts on its own (a review requesting changes, a failed
 * check): counted against `SC_PR_FIX_LIMIT`.
 */
export const AutomaticFixReason = 'automatic pull request fix';

/** What a Round is linked to besides its state: the commits made for it (`sc commit`) and its pull request. */
@Injectable()
export class RoundLinksService {
  constructor(
    private readonly repository: RoundsRepository,
    private readonly unitOfWork: UnitOfWork,
  ) {}

  /** `POST /rounds/:id/commits`: records a commit made for the Round; recording the same sha again changes nothing. */
  async recordCommit(id: string, commit: CommitRef): Promise<RecordedCommitView> {
    if (!(await this.repository.findById(id))) throw new NotFoundException(`round ${id} not found`);
    try {
      await this.unitOfWork.run((tx) =>
        this.repository.insertCommit(tx, {
          roundId: id,
          sha: commit.sha,
          branch: commit.branch ?? null,
          message: commit.message ?? null,
          createdAt: new Date().toISOString(),
        }),
      );
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
    }
    const stored = await this.repository.findCommit(id, commit.sha);
    if (!stored) throw new NotFoundException(`commit ${commit.sha} of round ${id} not found`);
    return toRecordedCommitView(stored);
  }

  /**
   * The newest Round that opened or updated the pull request at `url` (its web URL), and how many attempts the
   * PR loop started on its own for that pull request; undefined when no Round did.
   */
  async findByPullRequest(url: string): Promise<{ roundId: string; automaticFixes: number } | undefined> {
    const round = await this.repository.findNewestByPullRequestUrl(url);
    if (!round) return undefined;
    return {
      roundId: round.id,
      automaticFixes: await this.repository.countPullRequestTransitions(url, AutomaticFixReason),
    };
  }

  /** How many attempts of the Rounds of the pull request at `url` were started with a reason starting with `prefix`. */
  countFixes(url: string, prefix: string): Promise<number> {
    return this.repository.countPullRequestTransitions(url, prefix);
  }

  /** Stores the pull request a Round opened or updated (GitHub), shown by `GET /rounds/:id`. */
  async recordPullRequest(id: string, pullRequest: RoundPullRequestView): Promise<void> {
    if (!(await this.repository.findById(id))) throw new NotFoundException(`round ${id} not found`);
    await this.unitOfWork.run((tx) => this.repository.setPullRequest(tx, id, pullRequest.number, pullRequest.url));
  }
}
