import { redisErrorWarning } from '@sc/infrastructure';
import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { QueueName, type WorkerEvent } from '@sc/schemas';
import type { Job } from 'bullmq';
import { leaseRenewMs, ReplicaLeases } from '../cluster/replica-leases.service';
import { RoundEventsService } from './round-events.service';

const eventTypes = new Set(['phase', 'log', 'end']);

/**
 * Phase progress and log lines from workers (`events` queue, in batches), stored in their Rounds' histories
 * for `GET /rounds/:id/events`.
 */
// One batch at a time: with several in flight, BullMQ fetches the next job as one completes, so batches that take
// longer would let later ones overtake them, and a Round's lines would be stored out of order. For the same
// reason only one orchestrator replica consumes, the holder of the `events` lease: it starts (or resumes) once
// it holds the lease and pauses when it loses it. A batch is acknowledged once stored: a replica killed before
// that leaves it to the next holder, once its lock lapses — a few seconds, so that the Round has usually not
// ended by then (a batch arriving after its Round's end is dropped, see RoundEventsService.record).
@Processor(QueueName.Events, { concurrency: 1, autorun: false, lockDuration: 5_000, stalledInterval: 5_000 })
export class RoundEventsConsumer extends WorkerHost implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(RoundEventsConsumer.name);
  private readonly redisError = redisErrorWarning('worker events', (fields, message) =>
    this.logger.warn(fields, message),
  );
  private timer?: NodeJS.Timeout;
  private isStarted = false;

  constructor(
    private readonly events: RoundEventsService,
    private readonly leases: ReplicaLeases,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.followLease(), leaseRenewMs);
    void this.followLease();
  }

  /**
   * Stops consuming before the lease is let go (ReplicaLeases, on shutdown): the batch in hand is stored first,
   * so the replica that takes the lease over goes on after it and a stopped replica leaves no line out of order.
   */
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    // Whichever shutdown hook runs first: the batch in hand must not wait for an attempt's start (up to 10 s),
    // or the stop outlasts its grace and the replica is killed with other queues' jobs in hand.
    this.events.close();
    if (this.isStarted) await this.worker.close().catch((error: Error) => this.redisError(error));
  }

  // Attached with the worker: its connection errors as one warning per interval, not a stack per retry.
  @OnWorkerEvent('error')
  onRedisError(error: Error): void {
    this.redisError(error);
  }

  /** Consumes while this replica holds the `events` lease; Redis unreachable counts as not held. */
  private async followLease(): Promise<void> {
    const isHeld = await this.leases.isHeld('events').catch(() => false);
    if (isHeld && !this.isStarted) {
      this.isStarted = true;
      void this.worker.run().catch((error: Error) => this.redisError(error));
    } else if (isHeld && this.worker.isPaused()) {
      await this.worker.resume().catch((error: Error) => this.redisError(error));
    } else if (!isHeld && this.isStarted && !this.worker.isPaused()) {
      await this.worker.pause(true).catch((error: Error) => this.redisError(error));
    }
  }

  async process(job: Job<unknown>): Promise<void> {
    const events = (job.data as { events?: unknown } | null)?.events;
    if (!Array.isArray(events)) return void this.logger.warn({ job_id: job.id }, 'invalid round events dropped');
    // Transitions come from the orchestrator alone; anything else malformed is dropped, never retried.
    const valid = events.filter(isWorkerEvent);
    if (valid.length < events.length)
      this.logger.warn({ job_id: job.id, dropped: events.length - valid.length }, 'invalid round events dropped');
    // Best effort, like the worker's sending: a batch lost to a database error is logged, not retried.
    await this.events
      .record(valid)
      .catch((error: unknown) =>
        this.logger.warn({ job_id: job.id, events: valid.length, err: error }, 'round events not stored'),
      );
  }
}

function isWorkerEvent(event: unknown): event is WorkerEvent {
  const candidate = event as Partial<WorkerEvent> | null;
  return (
    !!candidate &&
    typeof candidate === 'object' &&
    eventTypes.has(String(candidate.type)) &&
    typeof candidate.round_id === 'string'
  );
}
