import { isSentinelRedis, logRedisErrors, ReplicatedWrites } from '@sc/infrastructure';
import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable } from '@nestjs/common';
import {
  JobName,
  MaxEventsPerJob,
  QueueName,
  WorkerProtocol,
  type RoundEventsJob,
  type RoundMessage,
  type RoundMessagesJob,
  type WorkerEvent,
  type WorkOrderJob,
} from '@sc/schemas';
import type { JobsOptions, Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { WorkerConfig } from '../config/worker.config';
import type { Logger } from 'pino';
import { WORKER_LOGGER } from '../logging/logger.module';
import { BatchingSender } from './batching-sender';
import { AttemptPublisher } from './attempt.publisher';

// The orchestrator must see every started/finished message: it retries its own processing with backoff.
const messagesJobOptions: JobsOptions = {
  attempts: WorkerProtocol.messagesJobAttempts,
  backoff: { type: 'exponential', delay: 1_000 },
  removeOnComplete: true,
  removeOnFail: { age: 7 * 24 * 3600 },
};
// Progress and log lines are best effort: one try, nothing kept once delivered.
const eventsJobOptions: JobsOptions = { attempts: 1, removeOnComplete: true, removeOnFail: { count: 1_000 } };
// Through Sentinel a delivered job is kept a minute, so that adding it again by its id after a failover (see
// `addReplicated`) is a no-op when the first add survived, rather than a second copy.
const keptForRepeats: JobsOptions = { removeOnComplete: { age: 60, count: 10_000 } };
// Adds of one batch before it is given up on when no replica acknowledges them: each waits up to a second, which
// covers a failover (a master is down after seconds, a replica promoted and synced seconds later).
const maxReplicatedAdds = 30;

/**
 * Tells the orchestrator what a Round does: started/retrying/finished on the `reports` queue, phase and log
 * events on the `events` queue (a short Round's ride in its `finished` message instead, see
 * {@link AttemptPublisher}), each in batches. BullMQ keeps one connection's adds in order and the
 * orchestrator hands `events` on in fetch order, so an attempt's end marker arrives after its events. Adds wait
 * for Redis through a blip (the connection never gives up on a command), so a Report is not lost to one.
 */
@Injectable()
export class RoundPublisher {
  private readonly messages: BatchingSender<RoundMessage>;
  private readonly events: BatchingSender<WorkerEvent>;
  private readonly replicated = new Map<Queue, Promise<ReplicatedWrites>>();
  private readonly isSentinel: boolean;

  constructor(
    @InjectQueue(QueueName.Reports) reports: Queue,
    @InjectQueue(QueueName.Events) events: Queue,
    @Inject(WORKER_LOGGER) private readonly logger: Logger,
    config: WorkerConfig,
  ) {
    this.isSentinel = isSentinelRedis(config.redis);
    for (const queue of [reports, events])
      logRedisErrors(queue, `queue ${queue.name}`, (fields, message) => logger.warn(fields, message));
    this.messages = new BatchingSender(async (messages) => {
      const job: RoundMessagesJob = { messages };
      await this.add(reports, JobName.RoundMessages, job, messagesJobOptions);
    }, WorkerProtocol.maxMessagesPerJob);
    this.events = new BatchingSender(async (batch) => {
      const job: RoundEventsJob = { events: batch };
      await this.add(events, JobName.RoundEvents, job, eventsJobOptions).catch((error: Error) => {
        this.logger.warn(
          { round_ids: [...new Set(batch.map((event) => event.round_id))], events: batch.length, err: error },
          'events not published',
        );
      });
    }, MaxEventsPerJob);
  }

  /** The worker took the attempt: what it tells about it from now on, held back a moment (see {@link AttemptPublisher}). */
  attempt(job: WorkOrderJob, worker: string): AttemptPublisher {
    return new AttemptPublisher(job, worker, {
      messages: (messages) => this.messages.sendAll(messages),
      events: (batch) => this.events.sendAll(batch),
    });
  }

  /** The attempt will run again at `retryAt`; `waiting` when a model's rate or usage limit is why. */
  async retrying(job: WorkOrderJob, reason: string, retryAt: Date, waiting = false): Promise<void> {
    await this.messages.send({
      type: 'retrying',
      round_id: job.round_id,
      attempt: job.attempt,
      reason,
      retry_at: retryAt.toISOString(),
      ...(waiting ? { waiting } : {}),
      at: new Date().toISOString(),
    });
  }

  /**
   * Adds a job. Through Sentinel it is added again, by the same id, until a replica has it
   * ({@link ReplicatedWrites}): a failover right after the add would lose it otherwise, and a lost `finished`
   * is a lost Report.
   */
  private async add(queue: Queue, name: string, data: object, options: JobsOptions): Promise<void> {
    if (!this.isSentinel) {
      await queue.add(name, data, options);
      return;
    }
    const writes = await this.replicatedWrites(queue);
    const jobOptions = { ...options, ...keptForRepeats, jobId: randomUUID() };
    for (let adds = 1; adds <= maxReplicatedAdds; adds++) {
      const mark = writes.mark();
      await queue.add(name, data, jobOptions);
      if (await writes.since(mark)) return;
    }
    this.logger.warn(
      { queue: queue.name, job_id: jobOptions.jobId },
      'job added, but no Redis replica acknowledged it',
    );
  }

  private replicatedWrites(queue: Queue): Promise<ReplicatedWrites> {
    let writes = this.replicated.get(queue);
    if (!writes) {
      writes = ReplicatedWrites.ofQueue(queue);
      this.replicated.set(queue, writes);
    }
    return writes;
  }
}
