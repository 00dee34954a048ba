import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { QueueName, type EventsEndEvent, type RoundEvent } from '@sc/schemas';
import type { Job } from 'bullmq';
import { RoundsService } from './rounds.service';

const eventTypes = new Set(['phase', 'log', 'end']);

/**
 * Phase progress and log lines from workers (`events` queue), passed on to `GET /rounds/:id/events`.
 * They are live-only: a follower that connects later sees the stored transitions, not old log lines.
 */
// Handling an event is a synchronous hand-off, so several in flight keep their fetch order while the
// queue's round trips overlap; one at a time, three events per Round made this the bottleneck (bench/README.md).
@Processor(QueueName.Events, { concurrency: 16 })
export class RoundEventsConsumer extends WorkerHost {
  private readonly logger = new Logger(RoundEventsConsumer.name);

  constructor(private readonly rounds: RoundsService) {
    super();
  }

  async process(job: Job<unknown>): Promise<void> {
    const event = job.data as Partial<RoundEvent | EventsEndEvent> | null;
    // Transitions come from the orchestrator alone; anything else malformed is dropped, never retried.
    if (!event || typeof event !== 'object' || !eventTypes.has(String(event.type)) || typeof event.round_id !== 'string') {
      this.logger.warn({ job_id: job.id }, 'invalid round event dropped');
      return;
    }
    this.rounds.publishEvent(event as RoundEvent | EventsEndEvent);
  }
}
