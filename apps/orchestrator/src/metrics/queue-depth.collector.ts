import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import { QueueName } from '@sc/schemas';
import type { JobType, Queue } from 'bullmq';
import type { Gauge } from 'prom-client';
import { ReplicaLeases } from '../cluster/replica-leases.service';
import { withTimeout } from '../queue/with-timeout';

/** The job states `queue_depth` shows: what is still to do, being done, or stuck. */
export const queueDepthStates = [
  'waiting',
  'active',
  'delayed',
  'failed',
  'prioritized',
] as const satisfies readonly JobType[];

// Prometheus waits 10 s per scrape by default; Redis answers in milliseconds when it is up at all.
const collectTimeoutMs = 1_000;

/**
 * Fills `queue_depth{queue,state}` from BullMQ's job counts when Prometheus scrapes. When Redis does not
 * answer in time the gauge has no samples (stale counts would mislead an alert) and `/metrics` still
 * answers at once with everything else; the outage is logged once, not on every scrape. The counts are the
 * same from every replica, so only the holder of the `gauges` lease exports them: summed or not, the
 * replicas' `/metrics` show each job once.
 */
@Injectable()
export class QueueDepthCollector {
  private readonly logger = new Logger(QueueDepthCollector.name);
  private readonly queues: Queue[];
  private isFailing = false;

  constructor(
    @InjectQueue(QueueName.WorkOrders) workorders: Queue,
    @InjectQueue(QueueName.Reports) reports: Queue,
    @InjectQueue(QueueName.Events) events: Queue,
    private readonly leases: ReplicaLeases,
  ) {
    this.queues = [workorders, reports, events];
  }

  /** Sets `gauge` to the current counts of every queue and state. */
  async collect(gauge: Gauge<'queue' | 'state'>): Promise<void> {
    gauge.reset();
    try {
      if (!(await withTimeout(this.leases.isHeld('gauges'), collectTimeoutMs, 'taking the gauges lease'))) return;
      const depths = await withTimeout(
        Promise.all(
          this.queues.map(async (queue) => ({
            queue: queue.name,
            counts: await queue.getJobCounts(...queueDepthStates),
          })),
        ),
        collectTimeoutMs,
        'reading queue depths',
      );
      for (const { queue, counts } of depths) {
        for (const state of queueDepthStates) gauge.set({ queue, state }, counts[state] ?? 0);
      }
      if (this.isFailing) this.logger.log('queue depth collected again');
      this.isFailing = false;
    } catch (error) {
      if (!this.isFailing) this.logger.warn({ err: error }, 'queue depth not collected');
      this.isFailing = true;
    }
  }
}
