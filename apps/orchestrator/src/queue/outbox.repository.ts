import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, type EntityManager, type Repository } from 'typeorm';
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
  async add(tx: EntityManager, job: OutboxJob, at: string): Promise<void> {
    await tx.insert(OutboxEntity, { queue: job.queue, jobId: job.jobId, payload: JSON.stringify(job.payload), priority: job.priority, createdAt: at, sentAt: null });
  }

  /** Unsent rows, oldest first. */
  pending(limit: number): Promise<OutboxEntity[]> {
    return this.rows.find({ where: { sentAt: IsNull() }, order: { id: 'ASC' }, take: limit });
  }

  /** Marks a row sent; false when it is gone (a cancel discarded it while it was being sent) or already sent. */
  async markSent(tx: EntityManager, id: number, at: string): Promise<boolean> {
    const result = await tx.update(OutboxEntity, { id, sentAt: IsNull() }, { sentAt: at });
    return (result.affected ?? 0) > 0;
  }

  /** Drops a job that was never sent (its Round was cancelled first); true when there was one. */
  async discardUnsent(tx: EntityManager, jobId: string): Promise<boolean> {
    const result = await tx.delete(OutboxEntity, { jobId, sentAt: IsNull() });
    return (result.affected ?? 0) > 0;
  }
}
