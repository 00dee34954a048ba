import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, IsNull, type EntityManager, type Repository } from 'typeorm';
import { insertRows } from '../database/direct-sql';
import { OutboxEntity } from './outbox.entity';

/** A job to stage in the outbox. */
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
    return insertRows(tx, OutboxEntity, [{ queue: job.queue, jobId: job.jobId, payload: JSON.stringify(job.payload), priority: job.priority, createdAt: at, sentAt: null }]);
  }

  /** Unsent rows, oldest first. */
  pending(limit: number): Promise<OutboxEntity[]> {
    return this.rows.find({ where: { sentAt: IsNull() }, order: { id: 'ASC' }, take: limit });
  }

  /**
   * Marks rows sent and returns the ids of those that are gone: a cancel discarded them while they were
   * being sent. One statement for the batch (TypeORM writes numbers into SQLite statements: one statement
   * per row would each be prepared anew); the rows are looked up only when some were not marked.
   */
  async markSent(tx: EntityManager, ids: number[], at: string): Promise<number[]> {
    if (ids.length === 0) return [];
    const result = await tx.createQueryBuilder().update(OutboxEntity).set({ sentAt: at }).where('id IN (:...ids) AND sent_at IS NULL', { ids }).execute();
    if (result.affected === ids.length) return [];
    // Not marked: already sent (by another orchestrator's relay), or deleted.
    const present = new Set((await tx.find(OutboxEntity, { select: { id: true }, where: { id: In(ids) } })).map((row) => row.id));
    return ids.filter((id) => !present.has(id));
  }

  /** Drops a job that was never sent (its Round was cancelled first); true when there was one. */
  async discardUnsent(tx: EntityManager, jobId: string): Promise<boolean> {
    const result = await tx.delete(OutboxEntity, { jobId, sentAt: IsNull() });
    return (result.affected ?? 0) > 0;
  }
}
