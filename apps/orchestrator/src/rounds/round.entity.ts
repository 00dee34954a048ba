import type { ReportStatus, RoundState } from '@sc/schemas';
import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One Round: a work-order's execution, across its attempts. Only `RoundsService` writes it. */
@Entity({ name: 'rounds' })
export class RoundEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  id!: string;

  @Column({ name: 'workorder_id', type: 'varchar', length: 128 })
  workorderId!: string;

  @Column({ type: 'varchar', length: 200 })
  title!: string;

  @Column({ type: 'varchar', length: 64 })
  plugin!: string;

  @Column({ type: 'varchar', length: 16 })
  state!: RoundState;

  @Column({ type: 'integer' })
  attempt!: number;

  @Column({ type: 'integer' })
  priority!: number;

  /** The work-order's labels as a JSON array, as the API shows them; `GET /rounds?label=` reads `round_labels`. */
  @Column({ type: 'text' })
  labels!: string;

  @Column({ type: 'varchar', length: 255 })
  branch!: string;

  /** The worker that last started an attempt. */
  @Column({ type: 'varchar', length: 255, nullable: true })
  worker!: string | null;

  @Column({ name: 'report_status', type: 'varchar', length: 16, nullable: true })
  reportStatus!: ReportStatus | null;

  @Column({ name: 'created_at', type: 'varchar', length: 32 })
  createdAt!: string;

  @Column({ name: 'updated_at', type: 'varchar', length: 32 })
  updatedAt!: string;

  @Column({ name: 'started_at', type: 'varchar', length: 32, nullable: true })
  startedAt!: string | null;

  @Column({ name: 'finished_at', type: 'varchar', length: 32, nullable: true })
  finishedAt!: string | null;

  /** When a `waiting` Round resumes (its limit's reset); null in every other state. */
  @Column({ name: 'resumes_at', type: 'varchar', length: 32, nullable: true })
  resumesAt!: string | null;

  /** The pull request the Round opened or updated on GitHub (number and web URL). */
  @Column({ name: 'pull_request_number', type: 'integer', nullable: true })
  pullRequestNumber?: number | null;

  @Column({ name: 'pull_request_url', type: 'varchar', length: 2048, nullable: true })
  pullRequestUrl?: string | null;
}
