import {
  ConflictException,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { reviewTimeoutMs } from '@sc/schemas';
import { ReplicaLeases } from '../cluster/replica-leases.service';
import { ORCHESTRATOR_CONFIG, type OrchestratorConfig } from '../config/orchestrator.config';
import { RoundViewsService } from '../rounds/round-views.service';
import { RoundsService } from '../rounds/rounds.service';
import { WorkOrdersService } from '../workorders/workorders.service';

// Rounds checked per pass; more wait for the next one.
const batchSize = 200;

/**
 * Rejects Rounds left in `awaiting_review` past their work-order's `review.timeout`, every `SC_REAPER_INTERVAL_MS`
 * (a sweep of the database, not a timer per Round: it survives restarts and needs no Redis). A Round's
 * `updated_at` only changes with its state, so it is when the review began. It sweeps on the replica holding the
 * `reaper` lease; while Redis does not answer every replica sweeps, and the first decision wins (the others get
 * the 409 they ignore).
 */
@Injectable()
export class ReviewTimeouts implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ReviewTimeouts.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    @Inject(ORCHESTRATOR_CONFIG) private readonly config: OrchestratorConfig,
    private readonly rounds: RoundsService,
    private readonly views: RoundViewsService,
    private readonly workorders: WorkOrdersService,
    private readonly leases: ReplicaLeases,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.running ??= this.leases
        .isHeld('reaper')
        .catch(() => true)
        .then(async (isHeld) => {
          if (isHeld) await this.rejectOverdue();
        })
        .catch((error: unknown) => this.logger.warn({ err: error }, 'review timeout pass failed'))
        .finally(() => (this.running = undefined));
    }, this.config.reaperIntervalMs);
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One pass: rejects every overdue review it finds. */
  async rejectOverdue(): Promise<void> {
    const { items } = await this.views.list({ status: 'awaiting_review', limit: batchSize });
    for (const round of items) {
      const timeoutMs = reviewTimeoutMs(await this.workorders.get(round.workorder_id));
      if (timeoutMs === undefined || Date.parse(round.updated_at) + timeoutMs > Date.now()) continue;
      try {
        await this.rounds.decideReview(round.id, {
          approved: false,
          reason: `no decision within ${timeoutMs / 1000} s (review.timeout)`,
        });
        this.logger.log({ round_id: round.id, workorder_id: round.workorder_id }, 'review timed out');
      } catch (error) {
        if (!(error instanceof ConflictException)) throw error;
      }
    }
  }
}
