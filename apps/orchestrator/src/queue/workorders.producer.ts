import { isSentinelRedis, ReplicatedWrites } from '@sc/infrastructure';
import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable } from '@nestjs/common';
import { JobName, QueueName, roundJobId, type WorkOrderJob } from '@sc/schemas';
import type { Queue } from 'bullmq';
import type { EntityManager } from 'typeorm';
import { ORCHESTRATOR_CONFIG, type OrchestratorConfig } from '../config/orchestrator.config';
import { CancelRequestsPublisher } from './cancel-requests.publisher';
import { OutboxRepository, type OutboxJob } from './outbox.repository';
import { withTimeout } from './with-timeout';

// With Redis down, an add fails fast (no offline queue); this bounds a half-open connection too.
const addTimeoutMs = 5_000;

/** The one way jobs reach the `workorders` queue: staged in the outbox, enqueued by the relay. */
@Injectable()
export class WorkOrdersProducer {
  private replicatedWrites?: Promise<ReplicatedWrites>;

  constructor(
    @InjectQueue(QueueName.WorkOrders) private readonly queue: Queue,
    private readonly outbox: OutboxRepository,
    private readonly cancelRequests: CancelRequestsPublisher,
    @Inject(ORCHESTRATOR_CONFIG) private readonly config: OrchestratorConfig,
  ) {}

  /** Stages the job of one attempt in `tx` (transactional outbox) and returns it, for the relay once `tx` committed. */
  async stage(tx: EntityManager, job: WorkOrderJob, at: string): Promise<OutboxJob> {
    const staged: OutboxJob = {
      queue: QueueName.WorkOrders,
      jobId: roundJobId(job.round_id, job.attempt),
      payload: job,
      priority: job.order.priority,
    };
    await this.outbox.add(tx, staged, at);
    return staged;
  }

  /** Adds a staged job to BullMQ. The job id is round + attempt: BullMQ ignores a repeated add, so the relay may resend. */
  async enqueue(staged: OutboxJob): Promise<void> {
    const added = this.queue.add(JobName.RunRound, staged.payload, {
      jobId: staged.jobId,
      priority: staged.priority,
      // Infrastructure failures (the worker throws) are retried; a plugin's failure is a Report, not a throw.
      attempts: 3,
      backoff: { type: 'exponential', delay: 5_000 },
      // The Round and its Report are in the database; Redis keeps only recent job history.
      removeOnComplete: { age: 24 * 3600, count: 1000 },
      removeOnFail: { age: 7 * 24 * 3600 },
    });
    await withTimeout(added, addTimeoutMs, `adding job ${staged.jobId}`);
  }

  /**
   * Through Sentinel, a check that the jobs added after it would survive a failover of Redis (see
   * {@link ReplicatedWrites}); none with one Redis server, which has nothing to fail over to.
   */
  async replicationCheck(): Promise<(() => Promise<boolean>) | undefined> {
    if (!isSentinelRedis(this.config.redis)) return undefined;
    this.replicatedWrites ??= ReplicatedWrites.ofQueue(this.queue).catch((error: unknown) => {
      this.replicatedWrites = undefined;
      throw error;
    });
    const writes = await withTimeout(this.replicatedWrites, addTimeoutMs, 'connecting to Redis');
    const mark = writes.mark();
    return () => withTimeout(writes.since(mark), addTimeoutMs, 'waiting for a replica');
  }

  /** Drops the staged job of an attempt that was never sent (its Round was cancelled first). */
  discardStaged(tx: EntityManager, roundId: string, attempt: number): Promise<boolean> {
    return this.outbox.discardUnsent(tx, roundJobId(roundId, attempt));
  }

  /**
   * Whether a worker holds the job of an attempt. A Round stays `queued` until its worker's `started` message
   * arrives (held back for a short Round), so a `queued` Round may be running already.
   */
  async isHeldByWorker(roundId: string, attempt: number): Promise<boolean> {
    const jobId = roundJobId(roundId, attempt);
    return (await withTimeout(this.queue.getJobState(jobId), addTimeoutMs, `reading job ${jobId}`)) === 'active';
  }

  /**
   * Takes back the job of a cancelled attempt: off the queue when no worker holds it, else the worker holding
   * it is asked to stop (its messages are refused: the Round is cancelled already).
   */
  async withdraw(roundId: string, attempt: number): Promise<'removed' | 'stop requested' | 'not queued'> {
    const jobId = roundJobId(roundId, attempt);
    if ((await withTimeout(this.queue.remove(jobId), addTimeoutMs, `removing job ${jobId}`)) === 1) return 'removed';
    // BullMQ removes no locked job: tell a job a worker took from one that is not (or no longer) in the queue.
    if (!(await this.isHeldByWorker(roundId, attempt))) return 'not queued';
    await this.cancelRequests.publish({ round_id: roundId, attempt, reason: 'cancel requested by API' });
    return 'stop requested';
  }
}
