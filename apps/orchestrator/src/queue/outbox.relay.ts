import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import type { WorkOrderJob } from '@sc/schemas';
import { ReplicaLeases } from '../cluster/replica-leases.service';
import { UnitOfWork } from '../database/unit-of-work';
import { OutboxRepository, type OutboxJob } from './outbox.repository';
import { WorkOrdersProducer } from './workorders.producer';

const batchSize = 100;
// How soon rows staged during a Redis outage are retried; a submit or retry sends its own job at once.
const intervalMs = 2_000;
// Sent jobs are marked a moment later, so that one statement marks the jobs of many submits, and a lone
// submit's mark does not compete with the worker starting its Round (bench/README.md). Marked late, a job is at
// worst added again after a crash, which BullMQ ignores (the same job id).
const markDelayMs = 20;

/**
 * Hands committed outbox jobs to BullMQ and marks them sent. The jobs a submit or retry just committed are
 * sent at once, as they are (no read back); every unsent row is swept on a timer, so rows staged while Redis
 * was down go out when it is back. One sweep at a time; a request during one makes it go round once more.
 * Of several orchestrator replicas, only the holder of the `outbox` lease sweeps: another replica's jobs are
 * being sent by it, and BullMQ's job id makes the rare repeat (a row read just before it was marked) harmless.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OutboxRelay.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private isRequested = false;
  private readonly sending = new Set<Promise<boolean>>();
  /** Job ids `relayCommitted` is sending: the sweep leaves them alone rather than add them a second time. */
  private readonly sendingJobIds = new Set<string>();
  private readonly toMark: string[] = [];
  /** The next batch of marks: resolves with the ids of the jobs a cancel discarded meanwhile. */
  private marking?: Promise<Set<string>>;

  constructor(
    private readonly outbox: OutboxRepository,
    private readonly producer: WorkOrdersProducer,
    private readonly unitOfWork: UnitOfWork,
    private readonly leases: ReplicaLeases,
  ) {}

  onApplicationBootstrap(): void {
    // Redis down: nothing could be sent anyway, and the connection logs the outage.
    const sweep = async () => {
      if (await this.leases.isHeld('outbox').catch(() => false)) await this.relayPending();
    };
    this.timer = setInterval(() => void sweep(), intervalMs);
    void sweep();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all([this.running, ...this.sending]);
  }

  /**
   * Enqueues jobs whose transaction committed; resolves when sent or when Redis refused (they stay in the
   * outbox for the sweep).
   */
  async relayCommitted(jobs: OutboxJob[]): Promise<void> {
    for (const job of jobs) this.sendingJobIds.add(job.jobId);
    const sent = this.send(jobs);
    this.sending.add(sent);
    await sent.finally(() => {
      this.sending.delete(sent);
      for (const job of jobs) this.sendingJobIds.delete(job.jobId);
    });
  }

  /**
   * Enqueues every unsent row; resolves when done or when Redis or the database refused (the rows stay for the
   * next run). It never rejects: it runs from a timer, where a rejection would end the process.
   */
  relayPending(): Promise<void> {
    this.isRequested = true;
    this.running ??= this.drain()
      .catch((error: unknown) => this.logger.warn({ err: error }, 'outbox relay paused: unsent jobs not read'))
      .finally(() => (this.running = undefined));
    return this.running;
  }

  private async drain(): Promise<void> {
    while (this.isRequested) {
      this.isRequested = false;
      const jobs = await this.outbox.pending(batchSize);
      const unsent = jobs.filter((job) => !this.sendingJobIds.has(job.jobId));
      if (!(await this.send(unsent))) return;
      // A full batch may have more behind it, unless all of it was already on its way.
      if (jobs.length === batchSize && unsent.length > 0) this.isRequested = true;
    }
  }

  /**
   * Sends `jobs`; false when one could not be sent, or they could not be marked. The adds go out together
   * (ioredis pipelines them) and the jobs are marked in one transaction with those of other sends
   * ({@link markSent}): one turn in the SQLite write queue per batch rather than per job, so a burst of submits
   * does not starve the relay (bench/README.md).
   */
  private async send(jobs: OutboxJob[]): Promise<boolean> {
    const replicated = await this.producer.replicationCheck().catch(() => async () => false);
    const results = await Promise.allSettled(jobs.map((job) => this.producer.enqueue(job)));
    const sent = jobs.filter((_, i) => results[i].status === 'fulfilled');
    let gone = new Set<string>();
    try {
      // A job a Redis failover lost must not be marked sent: nothing would send it again.
      if (sent.length > 0 && replicated && !(await replicated())) throw new Error('no replica acknowledged the jobs');
      if (sent.length > 0) gone = await this.markSent(sent.map((job) => job.jobId));
    } catch (error) {
      // Their rows stay unsent: the next sweep adds them again, which BullMQ ignores (same job id), and marks them.
      this.logger.warn(
        { job_ids: sent.map((job) => job.jobId), err: error },
        'outbox relay paused: sent jobs not marked',
      );
      return false;
    }
    for (const job of sent) {
      if (gone.has(job.jobId)) await this.withdraw(job);
      else this.logger.debug({ job_id: job.jobId, queue: job.queue }, 'job enqueued');
    }
    const failure = results.findIndex((result) => result.status === 'rejected');
    if (failure < 0) return true;
    this.logger.warn(
      { job_id: jobs[failure].jobId, err: (results[failure] as PromiseRejectedResult).reason as unknown },
      'outbox relay paused',
    );
    return false;
  }

  /** Marks `jobIds` sent with the others of this moment, in one transaction; resolves with those already gone. */
  private markSent(jobIds: string[]): Promise<Set<string>> {
    this.toMark.push(...jobIds);
    this.marking ??= sleep(markDelayMs).then(() => {
      const batch = this.toMark.splice(0);
      this.marking = undefined;
      return this.unitOfWork.run(
        async (tx) => new Set(await this.outbox.markSent(tx, batch, new Date().toISOString())),
      );
    });
    return this.marking;
  }

  /**
   * Takes back a job whose row a cancel discarded after this relay read it: the cancel committed, found no
   * job to remove yet, and the add went ahead.
   */
  private async withdraw(staged: OutboxJob): Promise<void> {
    const job = staged.payload as WorkOrderJob;
    try {
      const outcome = await this.producer.withdraw(job.round_id, job.attempt);
      this.logger.log({ job_id: staged.jobId, outcome }, 'cancelled job withdrawn');
    } catch (error) {
      this.logger.warn({ job_id: staged.jobId, err: error }, 'cancelled job not withdrawn');
    }
  }
}
