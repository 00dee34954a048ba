import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable } from '@nestjs/common';
import {
  JobName,
  QueueName,
  roundMessageJobId,
  type EventsEndEvent,
  type LogEvent,
  type PhaseEvent,
  type Report,
  type RoundMessage,
  type WorkOrderJob,
} from '@sc/schemas';
import type { JobsOptions, Queue } from 'bullmq';
import type { Logger } from 'pino';
import { WORKER_LOGGER } from '../logging/logger.module';

// The orchestrator must see every started/finished message: it retries its own processing with backoff,
// and a completed message is removed at once, so its job id only deduplicates a resend still pending.
const reportJobOptions: JobsOptions = { attempts: 10, backoff: { type: 'exponential', delay: 1_000 }, removeOnComplete: true, removeOnFail: { age: 7 * 24 * 3600 } };
// Progress and log lines are best effort: one try, nothing kept once delivered.
const eventJobOptions: JobsOptions = { attempts: 1, removeOnComplete: true, removeOnFail: { count: 1_000 } };

/**
 * Tells the orchestrator what a Round does: started/retrying/finished on the `reports` queue, phase and
 * log events on the `events` queue. Adds wait for Redis through a blip (the connection never gives up on a
 * command), so a Report is not lost to one.
 */
@Injectable()
export class RoundPublisher {
  constructor(
    @InjectQueue(QueueName.Reports) private readonly reports: Queue,
    @InjectQueue(QueueName.Events) private readonly events: Queue,
    @Inject(WORKER_LOGGER) private readonly logger: Logger,
  ) {}

  /** The worker took the attempt; `run` counts how often BullMQ started it (1 unless it was delayed). */
  async started(job: WorkOrderJob, worker: string, run: number): Promise<void> {
    await this.send({ type: 'started', round_id: job.round_id, attempt: job.attempt, worker, at: now() }, run);
  }

  /** The attempt pauses until `retryAt` and resumes then (rate limit, worker shut down). */
  async retrying(job: WorkOrderJob, reason: string, retryAt: Date, run: number): Promise<void> {
    await this.send({ type: 'retrying', round_id: job.round_id, attempt: job.attempt, reason, retry_at: retryAt.toISOString(), at: now() }, run);
  }

  /** The attempt ended with `report`. */
  async finished(report: Report): Promise<void> {
    await this.send({ type: 'finished', round_id: report.round_id, attempt: report.attempt, report, at: now() });
  }

  /** Publishes a phase or log event without waiting; a failure is logged and the Round goes on. */
  event(event: PhaseEvent | LogEvent): void {
    this.events.add(JobName.RoundEvent, event, eventJobOptions).catch((error: Error) => {
      this.logger.warn({ round_id: event.round_id, err: error }, 'event not published');
    });
  }

  /**
   * Marks the end of the attempt's events. BullMQ keeps one connection's adds in order and the orchestrator
   * consumes `events` one at a time, so this arrives after every phase and log event sent before it.
   */
  async eventsEnd(job: WorkOrderJob): Promise<void> {
    const end: EventsEndEvent = { type: 'end', round_id: job.round_id, attempt: job.attempt, at: now() };
    await this.events.add(JobName.RoundEvent, end, eventJobOptions).catch((error: Error) => {
      this.logger.warn({ round_id: job.round_id, err: error }, 'event not published');
    });
  }

  private async send(message: RoundMessage, run?: number): Promise<void> {
    const jobId = roundMessageJobId(message.round_id, message.attempt, message.type, message.type === 'finished' ? undefined : run);
    await this.reports.add(JobName.RoundMessage, message, { ...reportJobOptions, jobId });
  }
}

function now(): string {
  return new Date().toISOString();
}
