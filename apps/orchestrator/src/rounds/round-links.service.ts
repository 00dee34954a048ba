import { Injectable, NotFoundException } from '@nestjs/common';
import type { CommitRef, RecordedCommitView, RoundPullRequestView } from '@sc/schemas';
import { isUniqueViolation } from '../database/unique-violation';
import { UnitOfWork } from '../database/unit-of-work';
import { toRecordedCommitView } from './round.view';
import { RoundsRepository } from './rounds.repository';

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
        this.repository.insertCommit(tx, { roundId: id, sha: commit.sha, branch: commit.branch ?? null, message: commit.message ?? null, createdAt: new Date().toISOString() }),
      );
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
    }
    const stored = await this.repository.findCommit(id, commit.sha);
    if (!stored) throw new NotFoundException(`commit ${commit.sha} of round ${id} not found`);
    return toRecordedCommitView(stored);
  }

  /** Stores the pull request a Round opened or updated (GitHub), shown by `GET /rounds/:id`. */
  async recordPullRequest(id: string, pullRequest: RoundPullRequestView): Promise<void> {
    if (!(await this.repository.findById(id))) throw new NotFoundException(`round ${id} not found`);
    await this.unitOfWork.run((tx) => this.repository.setPullRequest(tx, id, pullRequest.number, pullRequest.url));
  }
}
