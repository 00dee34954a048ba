import { redisErrorWarning } from '@sc/infrastructure';
import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { QueueName, type WorkerEvent } from '@sc/schemas';
import type { Job } from 'bullmq';
import { RoundEventsService } from './round-events.service';

const eventTypes = new Set(['phase', 'log', 'end']);

/**
 * Phase progress and log lines from workers (`events` queue, in batches), stored in their Rounds' histories
 * for `GET /rounds/:id/events`.
 */
// One batch at a time, handed off without waiting for it to be stored: with several in flight, BullMQ fetches
// the next job as one completes, so batches that take longer would let later ones overtake them, and a Round's
// lines would be stored out of order. The hand-off takes no time, so one at a time costs only a round trip.
@Processor(QueueName.Events, { concurrency: 1 })
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
    // Best effort, like the worker's sending: a batch lost to a database error is logged, not retried.
    void this.events.record(valid).catch((error: unknown) => this.logger.warn({ job_id: job.id, events: valid.length, err: error }, 'round events not stored'));
  }
}

function isWorkerEvent(event: unknown): event is WorkerEvent {
  const candidate = event as Partial<WorkerEvent> | null;
  return !!candidate && typeof candidate === 'object' && eventTypes.has(String(candidate.type)) && typeof candidate.round_id === 'string';
}
