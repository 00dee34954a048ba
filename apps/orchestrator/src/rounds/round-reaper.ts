import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { QueueName, roundJobId } from '@sc/schemas';
import type { Queue } from 'bullmq';
import { ReplicaLeases } from '../cluster/replica-leases.service';
import { ORCHESTRATOR_CONFIG, type OrchestratorConfig } from '../config/orchestrator.config';
import { RoundsService } from './rounds.service';

// Rounds checked per pass; more wait for the next one.
const batchSize = 200;

/**
 * Ends Rounds that would otherwise stay `running` (or `retrying`) forever: every `SC_REAPER_INTERVAL_MS`, each
 * such Round unchanged for `SC_REAPER_GRACE_MS` is looked up in the `workorders` queue. A job that is gone
 * (Redis lost it, someone deleted it) or failed for good (its retries and stalled re-runs used up, so no worker
 * will report) means no Report will ever come: the Round becomes `error`, reason `orphaned: …`. A job still
 * waiting, delayed or active is left alone, and so is a completed one: its Report is on the `reports` queue,
 * maybe waiting for this orchestrator to catch up after downtime. Of several replicas, the holder of the
 * `reaper` lease reaps.
 */
@Injectable()
export class RoundReaper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RoundReaper.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    @Inject(ORCHESTRATOR_CONFIG) private readonly config: OrchestratorConfig,
    @InjectQueue(QueueName.WorkOrders) private readonly queue: Queue,
    private readonly rounds: RoundsService,
    private readonly leases: ReplicaLeases,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      // One pass at a time: a slow Redis must not pile passes up.
      this.running ??= this.leases
        .isHeld('reaper')
        .then(async (isHeld) => {
          if (isHeld) await this.reapOrphans();
        })
        .catch((error: unknown) => this.logger.warn({ err: error }, 'reaper pass failed'))
        .finally(() => (this.running = undefined));
    }, this.config.reaperIntervalMs);
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One pass: ends every orphaned Round it finds. */
  async reapOrphans(): Promise<void> {
    const candidates = await this.rounds.findUnfinishedBefore(
      new Date(Date.now() - this.config.reaperGraceMs),
      batchSize,
    );
    for (const round of candidates) {
      const reason = await this.orphanReason(round.id, round.attempt);
      if (!reason) continue;
      await this.rounds.reap(round.id, round.attempt, reason);
      this.logger.warn(
        { round_id: round.id, workorder_id: round.workorderId, attempt: round.attempt, reason },
        'orphaned round ended',
      );
    }
  }

  /** Why no worker will ever report this attempt, or undefined while one still may. */
  private async orphanReason(roundId: string, attempt: number): Promise<string | undefined> {
    const job = await this.queue.getJob(roundJobId(roundId, attempt));
    if (!job) return 'orphaned: job lost';
    if ((await job.getState()) === 'failed') return `orphaned: job failed: ${job.failedReason || 'no reason'}`;
    return undefined;
  }
}
