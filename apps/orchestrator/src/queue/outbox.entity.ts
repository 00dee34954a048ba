import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * A job waiting to be handed to BullMQ (transactional outbox): written in the same transaction as the
 * Round it runs, so a Redis outage at submit loses nothing; `OutboxRelay` enqueues it and sets `sent_at`.
 */
@Entity({ name: 'outbox' })
export class OutboxEntity {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number;

  @Column({ type: 'varchar', length: 64 })
  queue!: string;

  /** The BullMQ job id (`<round_id>:<attempt>`), so a resend after a crash is ignored by BullMQ. */
  @Column({ name: 'job_id', type: 'varchar', length: 200 })
  jobId!: string;

  /** The job data as JSON text. */
  @Column({ type: 'text' })
  payload!: string;

  /** BullMQ priority: 1 is the most urgent, like the work-order's `priority`. */
  @Column({ type: 'integer' })
  priority!: number;

  @Column({ name: 'created_at', type: 'varchar', length: 32 })
  createdAt!: string;

  @Column({ name: 'sent_at', type: 'varchar', length: 32, nullable: true })
  sentAt!: string | null;
}
