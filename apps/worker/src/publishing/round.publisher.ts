import { logRedisErrors } from '@sc/infrastructure';
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
import type { Logger } from 'pino';
import { WORKER_LOGGER } from '../logging/logger.module';
import { BatchingSender } from './batching-sender';
import { AttemptPublisher } from './attempt.publisher';

// The orchestrator must see every started/finished message: it retries its own processing with backoff,
// and a completed batch is removed at once.
const messagesJobOptions: JobsOptions = {
  attempts: WorkerProtocol.messagesJobAttempts,
  backoff: { type: 'exponential', delay: 1_000 },
  removeOnComplete: true,
  removeOnFail: { age: 7 * 24 * 3600 },
};
// Progress and log lines are best effort: one try, nothing kept once delivered.
const eventsJobOptions: JobsOptions = { attempts: 1, removeOnComplete: true, removeOnFail: { count: 1_000 } };

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

  constructor(
    @InjectQueue(QueueName.Reports) reports: Queue,
    @InjectQueue(QueueName.Events) events: Queue,
    @Inject(WORKER_LOGGER) private readonly logger: Logger,
  ) {
    for (const queue of [reports, events])
      logRedisErrors(queue, `queue ${queue.name}`, (fields, message) => logger.warn(fields, message));
    this.messages = new BatchingSender(async (messages) => {
      const job: RoundMessagesJob = { messages };
      await reports.add(JobName.RoundMessages, job, messagesJobOptions);
    }, WorkerProtocol.maxMessagesPerJob);
    this.events = new BatchingSender(async (batch) => {
      const job: RoundEventsJob = { events: batch };
      await events.add(JobName.RoundEvents, job, eventsJobOptions).catch((error: Error) => {
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

  /** The attempt pauses until `retryAt` and resumes then (rate limit, worker shut down). */
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
}
