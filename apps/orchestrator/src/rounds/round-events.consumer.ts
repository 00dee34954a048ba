import { redisErrorWarning } from '@sc/runner';
import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { QueueName, type WorkerEvent } from '@sc/schemas';
import type { Job } from 'bullmq';
import { RoundEventsService } from './round-events.service';

const eventTypes = new Set(['phase', 'log', 'end']);

/**
 * Phase progress and log lines from workers (`events` queue, in batches), passed on to
 * `GET /rounds/:id/events`. They are live-only: a follower that connects later sees the stored transitions,
 * not old log lines.
 */
// Handling a batch is a synchronous hand-off, so several in flight keep their fetch order while the queue's
// round trips overlap (bench/README.md).
@Processor(QueueName.Events, { concurrency: 16 })
export class RoundEventsConsumer extends WorkerHost {
  private readonly logger = new Logger(RoundEventsConsumer.name);
  private readonly redisError = redisErrorWarning('worker events', (fields, message) => this.logger.warn(fields, message));

  constructor(private readonly events: RoundEventsService) {
    super();
  }

  // Attached with the worker: its connection errors as one warning per interval, not a stack per retry.
  @OnWorkerEvent('error')
  onRedisError(error: Error): void {
    this.redisError(error);
  }

  async process(job: Job<unknown>): Promise<void> {
    const events = (job.data as { events?: unknown } | null)?.events;
    if (!Array.isArray(events)) return void this.logger.warn({ job_id: job.id }, 'invalid round events dropped');
    // Transitions come from the orchestrator alone; anything else malformed is dropped, never retried.
    const valid = events.filter(isWorkerEvent);
    if (valid.length < events.length) this.logger.warn({ job_id: job.id, dropped: events.length - valid.length }, 'invalid round events dropped');
    for (const event of valid) this.events.publish(event);
  }
}

function isWorkerEvent(event: unknown): event is WorkerEvent {
  const candidate = event as Partial<WorkerEvent> | null;
  return !!candidate && typeof candidate === 'object' && eventTypes.has(String(candidate.type)) && typeof candidate.round_id === 'string';
}
