import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, IsNull, type EntityManager, type Repository } from 'typeorm';
import { insertRows } from '../database/direct-sql';
import { OutboxEntity } from './outbox.entity';

/** A job staged in the outbox. */
export interface OutboxJob {
  queue: string;
  jobId: string;
  payload: unknown;
  priority: number;
}

/** Reads and writes outbox rows; writes take the caller's transaction. */
@Injectable()
export class OutboxRepository {
  constructor(@InjectRepository(OutboxEntity) private readonly rows: Repository<OutboxEntity>) {}

  /** Stages a job in `tx`; it reaches BullMQ only if `tx` commits. */
  add(tx: EntityManager, job: OutboxJob, at: string): Promise<void> {
    return insertRows(tx, OutboxEntity, [
      {
        queue: job.queue,
        jobId: job.jobId,
        payload: JSON.stringify(job.payload),
        priority: job.priority,
        createdAt: at,
        sentAt: null,
      },
    ]);
  }

  /** Unsent jobs, oldest first. */
  async pending(limit: number): Promise<OutboxJob[]> {
    const rows = await this.rows.find({ where: { sentAt: IsNull() }, order: { id: 'ASC' }, take: limit });
    return rows.map((row) => ({
      queue: row.queue,
      jobId: row.jobId,
      payload: JSON.parse(row.payload) as unknown,
      priority: row.priority,
    }));
  }

  /**
   * Marks jobs sent and returns the ids of those that are gone: a cancel discarded them while they were
   * being sent. One statement for the batch; the rows are looked up only when some were not marked.
   */
  async markSent(tx: EntityManager, jobIds: string[], at: string): Promise<string[]> {
    if (jobIds.length === 0) return [];
    const result = await tx
      .createQueryBuilder()
      .update(OutboxEntity)
      .set({ sentAt: at })
      .where('job_id IN (:...jobIds) AND sent_at IS NULL', { jobIds })
      .execute();
    if (result.affected === jobIds.length) return [];
    // Not marked: already sent (by another relay run or orchestrator), or deleted.
    const present = new Set(
      (await tx.find(OutboxEntity, { select: { jobId: true }, where: { jobId: In(jobIds) } })).map((row) => row.jobId),
    );
    return jobIds.filter((jobId) => !present.has(jobId));
  }

  /** Drops a job that was never sent (its Round was cancelled first); true when there was one. */
  async discardUnsent(tx: EntityManager, jobId: string): Promise<boolean> {
    const result = await tx.delete(OutboxEntity, { jobId, sentAt: IsNull() });
    return (result.affected ?? 0) > 0;
  }
}
