import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { RoundState } from '@sc/schemas';
import { DataSource, IsNull, Not } from 'typeorm';
import { isUniqueViolation } from '../database/unique-violation';
import { GitHubDeliveryEntity } from './github-delivery.entity';
import { GitHubRoundLinkEntity } from './github-round-link.entity';

/** Storage of webhook deliveries and of the issue or pull request each Round answers to. */
@Injectable()
export class GitHubRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Records a delivery; false when it was recorded before (the primary key refuses it, also under races). */
  async recordDelivery(deliveryId: string, event: string, at: string): Promise<boolean> {
    try {
      await this.dataSource.manager.insert(GitHubDeliveryEntity, { deliveryId, event, receivedAt: at });
      return true;
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }

  /** Forgets a delivery whose handling failed, so that GitHub's redelivery is handled again. */
  async forgetDelivery(deliveryId: string): Promise<void> {
    await this.dataSource.manager.delete(GitHubDeliveryEntity, { deliveryId });
  }

  async insertLink(link: GitHubRoundLinkEntity): Promise<void> {
    await this.dataSource.manager.insert(GitHubRoundLinkEntity, link);
  }

  async setCommentId(roundId: string, commentId: string): Promise<void> {
    await this.dataSource.manager.update(GitHubRoundLinkEntity, { roundId }, { commentId });
  }

  /** The state the comment now says the Round ended in; null: it says a new attempt is queued. */
  async markEnded(roundId: string, state: RoundState | null): Promise<void> {
    await this.dataSource.manager.update(GitHubRoundLinkEntity, { roundId }, { endedState: state });
  }

  /** Links whose comment still says "queued", oldest first: the Rounds to look at after a restart. */
  findOpenComments(limit: number): Promise<GitHubRoundLinkEntity[]> {
    return this.dataSource.manager.find(GitHubRoundLinkEntity, {
      where: { commentId: Not(IsNull()), endedState: IsNull() },
      order: { createdAt: 'ASC' },
      take: limit,
    });
  }

  findLink(roundId: string): Promise<GitHubRoundLinkEntity | null> {
    return this.dataSource.manager.findOneBy(GitHubRoundLinkEntity, { roundId });
  }

  /** The newest Round started from an issue or pull request. */
  findLatestLink(repository: string, issueNumber: number): Promise<GitHubRoundLinkEntity | null> {
    return this.dataSource.manager.findOne(GitHubRoundLinkEntity, {
      where: { repository, issueNumber },
      order: { createdAt: 'DESC', roundId: 'DESC' },
    });
  }
}
