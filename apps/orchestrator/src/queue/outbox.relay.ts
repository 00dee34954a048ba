import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { WorkOrderJob } from '@sc/schemas';
import { UnitOfWork } from '../database/unit-of-work';
import { CancelRequestsPublisher } from './cancel-requests.publisher';
import type { OutboxEntity } from './outbox.entity';
import { OutboxRepository } from './outbox.repository';
import { WorkOrdersProducer } from './workorders.producer';

const batchSize = 100;
// How soon rows staged during a Redis outage are retried; submits also trigger a relay right away.
const intervalMs = 2_000;

/**
 * Hands committed outbox rows to BullMQ and marks them sent. Runs after each submit or retry commits, and
 * on a timer so rows staged while Redis was down go out when it is back. One run at a time; a request
 * during a run makes it go round once more.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OutboxRelay.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private isRequested = false;

  constructor(
    private readonly outbox: OutboxRepository,
    private readonly producer: WorkOrdersProducer,
    private readonly unitOfWork: UnitOfWork,
    private readonly cancelRequests: CancelRequestsPublisher,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.relayPending(), intervalMs);
    void this.relayPending();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** Enqueues every unsent row; resolves when done or when Redis refused (the rows stay for the next run). */
  relayPending(): Promise<void> {
    this.isRequested = true;
    this.running ??= this.drain().finally(() => (this.running = undefined));
    return this.running;
  }

  private async drain(): Promise<void> {
    while (this.isRequested) {
      this.isRequested = false;
      const isComplete = await this.relayBatch();
      if (!isComplete) return;
    }
  }

  /**
   * One batch; false when a row could not be sent. The adds go out together (ioredis pipelines them) and the
   * rows are marked in one transaction: one turn in the SQLite write queue per batch rather than per job, so
   * a burst of submits does not starve the relay (bench/README.md).
   */
  private async relayBatch(): Promise<boolean> {
    const rows = await this.outbox.pending(batchSize);
    const results = await Promise.allSettled(rows.map((row) => this.producer.enqueue(row)));
    const sent = rows.filter((_, i) => results[i].status === 'fulfilled');
    const at = new Date().toISOString();
    const gone = new Set(await this.unitOfWork.run((tx) => this.outbox.markSent(tx, sent.map((row) => row.id), at)));
    for (const row of sent) {
      if (gone.has(row.id)) await this.withdraw(row);
      else this.logger.debug({ job_id: row.jobId, queue: row.queue }, 'job enqueued');
    }
    const failure = results.findIndex((result) => result.status === 'rejected');
    if (failure >= 0) {
      this.logger.warn({ job_id: rows[failure].jobId, err: (results[failure] as PromiseRejectedResult).reason }, 'outbox relay paused');
      return false;
    }
    if (rows.length === batchSize) this.isRequested = true;
    return true;
  }

  /**
   * Takes back a job whose row a cancel discarded after this relay read it: the cancel committed, found no
   * job to remove yet, and the add went ahead. Removed from the queue if no worker took it; otherwise the
   * worker holding it is asked to stop (its messages are refused: the Round is already cancelled).
   */
  private async withdraw(row: OutboxEntity): Promise<void> {
    const job = JSON.parse(row.payload) as WorkOrderJob;
    try {
      if (await this.producer.remove(job.round_id, job.attempt)) return void this.logger.log({ job_id: row.jobId }, 'cancelled job withdrawn');
      await this.cancelRequests.publish({ round_id: job.round_id, attempt: job.attempt, reason: 'cancel requested by API' });
      this.logger.log({ job_id: row.jobId }, 'cancelled job already taken: cancel requested');
    } catch (error) {
      this.logger.warn({ job_id: row.jobId, err: error }, 'cancelled job not withdrawn');
    }
  }
}
