import type { RoundState } from '@sc/schemas';
import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The issue or pull request a Round answers to, and the bot comment that links the Round there. */
@Entity({ name: 'github_round_links' })
export class GitHubRoundLinkEntity {
  @PrimaryColumn({ name: 'round_id', type: 'varchar', length: 64 })
  roundId!: string;

  /** `owner/name`. */
  @Column({ type: 'varchar', length: 255 })
  repository!: string;

  @Column({ name: 'issue_number', type: 'integer' })
  issueNumber!: number;

  @Column({ name: 'is_pull_request', type: 'boolean' })
  isPullRequest!: boolean;

  /** The bot's comment, edited when the Round ends; null until it was posted. */
  @Column({ name: 'comment_id', type: 'varchar', length: 32, nullable: true })
  commentId!: string | null;

  @Column({ name: 'created_at', type: 'varchar', length: 32 })
  createdAt!: string;

  /** The state the comment was last edited to say the Round ended in; null while it still says "queued". */
  @Column({ name: 'ended_state', type: 'varchar', length: 16, nullable: true })
  endedState?: RoundState | null;
}
