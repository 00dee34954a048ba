import { ConflictException, Injectable, Logger, NotFoundException } from '@nestjs/common';
import {
  assertTransition,
  type ReviewDecision,
  type RoundState,
  type RoundView,
  type StoredWorkOrder,
} from '@sc/schemas';
import type { EntityManager } from 'typeorm';
import { newRecordId } from '../database/record-id';
import { CancelRequestsPublisher } from '../queue/cancel-requests.publisher';
import { OutboxRelay } from '../queue/outbox.relay';
import type { OutboxJob } from '../queue/outbox.repository';
import { WorkOrdersProducer } from '../queue/workorders.producer';
import { reapedReport } from '../reports/reaped-report';
import type { RoundEntity } from './round.entity';
import { now } from './round-change';
import { RoundEventsService } from './round-events.service';
import { RoundTransitions } from './round-transitions';
import { RoundViewsService } from './round-views.service';
import { RoundsRepository } from './rounds.repository';

/** How {@link RoundsService.retry} starts the next attempt. */
export interface RetryOptions {
  /** Start over instead of resuming the agents' sessions. */
  fresh?: boolean;
  /** What the attempt is asked besides the work-order (the job's `follow_up`). */
  followUp?: string;
  /** The transition's reason; by default that the API asked. */
  reason?: string;
}

/**
 * Rounds as the API and the reaper change them: created with a work-order, cancelled, retried, reviewed, reaped.
 * Workers' messages are `RoundMessagesService`'s; both write through `RoundTransitions`.
 */
@Injectable()
export class RoundsService {
  private readonly logger = new Logger(RoundsService.name);

  constructor(
    private readonly repository: RoundsRepository,
    private readonly transitions: RoundTransitions,
    private readonly producer: WorkOrdersProducer,
    private readonly relay: OutboxRelay,
    private readonly cancelRequests: CancelRequestsPublisher,
    private readonly events: RoundEventsService,
    private readonly views: RoundViewsService,
  ) {}

  /**
   * Creates the first Round of a stored work-order in `tx`, with its first transition (`submitted`) and its
   * job staged in the outbox. Nobody can follow the Round before its id is answered, so no event is emitted;
   * the event stream replays stored transitions first.
   */
  async createQueued(tx: EntityManager, order: StoredWorkOrder): Promise<{ round: RoundEntity; staged: OutboxJob }> {
    const at = now();
    const round: RoundEntity = {
      id: newRecordId(),
      workorderId: order.id,
      title: order.title,
      plugin: order.plugin,
      state: 'queued',
      attempt: 1,
      priority: order.priority,
      labels: JSON.stringify(order.labels ?? []),
      branch: order.branch,
      worker: null,
      reportStatus: null,
      createdAt: at,
      updatedAt: at,
      startedAt: null,
      finishedAt: null,
      resumesAt: null,
    };
    await this.repository.insert(tx, round);
    await this.repository.addTransitions(tx, [
      { roundId: round.id, from: null, to: 'queued', reason: 'submitted', attempt: 1, at },
    ]);
    await this.events.addToHistory(tx, [
      { type: 'transition', round_id: round.id, attempt: 1, from: null, to: 'queued', reason: 'submitted', at },
    ]);
    const staged = await this.producer.stage(tx, { round_id: round.id, workorder_id: order.id, attempt: 1, order }, at);
    return { round, staged };
  }

  /** The Round a work-order's submit created, if any. */
  findFirstOfWorkOrder(workorderId: string): Promise<RoundEntity | null> {
    return this.repository.findFirstOfWorkOrder(workorderId);
  }

  /** The newest Round of another work-order on `branch`, read in `tx` (a submit refuses such a branch unless told to continue it). */
  findOnBranchOfOtherWorkOrder(tx: EntityManager, branch: string, workorderId: string): Promise<RoundEntity | null> {
    return this.repository.findOnBranchOfOtherWorkOrder(tx, branch, workorderId);
  }

  /**
   * `POST /rounds/:id/cancel`. A Round a worker holds (running, or still `queued` while its worker's `started`
   * message is held back) gets a cancel request, and its worker reports `cancelled`. A queued, retrying or
   * waiting one is cancelled now and its job taken back. A finished one: 409.
   */
  async cancel(id: string): Promise<RoundView> {
    const round = await this.require(id);
    if (
      round.state === 'running' ||
      (round.state === 'queued' && (await this.producer.isHeldByWorker(id, round.attempt)))
    ) {
      const heard = await this.cancelRequests.publish({
        round_id: id,
        attempt: round.attempt,
        reason: 'cancel requested by API',
      });
      this.logger.log(
        { round_id: id, workorder_id: round.workorderId, attempt: round.attempt, workers: heard },
        'cancel requested',
      );
      return this.views.get(id);
    }
    const cancelled = await this.transitions.change(id, async (tx, current) => {
      await this.producer.discardStaged(tx, current.id, current.attempt);
      return { to: 'cancelled', reason: 'cancel requested by API', changes: { finishedAt: now() } };
    });
    // A job the relay adds after this commit is taken back by the relay: its outbox row is gone.
    await this.producer.withdraw(cancelled.id, cancelled.attempt).catch((error: unknown) => {
      this.logger.warn({ round_id: id, attempt: cancelled.attempt, err: error }, 'cancelled job not withdrawn');
    });
    return this.views.get(id);
  }

  /**
   * `POST /rounds/:id/retry`: a finished Round goes back to `queued` as attempt + 1, its agents resuming the
   * sessions the last attempt's Report names (unless `fresh`). A pull request's review or failed check (the
   * PR loop) passes what it asks as `followUp`, and the transition's `reason`. Otherwise 409.
   */
  async retry(id: string, options: RetryOptions = {}): Promise<RoundView> {
    const { fresh = false, followUp } = options;
    let staged: OutboxJob | undefined;
    await this.transitions.change(id, async (tx, round) => {
      assertTransition(round.state, 'queued');
      const order = await this.repository.findWorkOrder(tx, round.workorderId);
      if (!order) throw new NotFoundException(`work-order ${round.workorderId} of round ${id} not found`);
      const attempt = round.attempt + 1;
      const resumeFrom = fresh ? undefined : await this.repository.resumeFrom(tx, id, round.attempt);
      const job = {
        round_id: id,
        workorder_id: round.workorderId,
        attempt,
        order,
        ...(resumeFrom ? { resume_from: resumeFrom } : {}),
        ...(followUp ? { follow_up: followUp } : {}),
      };
      staged = await this.producer.stage(tx, job, now());
      const reason = options.reason ?? (fresh ? 'retry requested by API (fresh)' : 'retry requested by API');
      return { to: 'queued', reason, changes: { attempt, startedAt: null, finishedAt: null, reportStatus: null } };
    });
    if (staged) void this.relay.relayCommitted([staged]);
    return this.views.get(id);
  }

  /**
   * Ends the review of an `awaiting_review` Round (`POST /rounds/:id/approve|reject`, or its timeout): approved →
   * `succeeded`, rejected → `failed` with the reason; the branch stays either way. Any other state: 409.
   */
  async decideReview(id: string, decision: ReviewDecision): Promise<RoundView> {
    await this.transitions.change(id, (_tx, round) => {
      if (round.state !== 'awaiting_review')
        throw new ConflictException(`round ${id} is ${round.state}, not awaiting_review`);
      const changes = { finishedAt: now() };
      return decision.approved
        ? { to: 'succeeded', reason: 'review approved', changes }
        : { to: 'failed', reason: `review rejected: ${decision.reason}`, changes };
    });
    return this.views.get(id);
  }

  /** Rounds `running` or `retrying` unchanged since `before`: what the reaper checks against the queue. */
  findUnfinishedBefore(before: Date, limit: number): Promise<RoundEntity[]> {
    return this.repository.findUnfinishedBefore(before.toISOString(), limit);
  }

  /**
   * Ends an attempt no worker will ever report (its job is gone from the queue): → `error` with `reason`, and
   * a Report saying so, so that every ended Round has one. Changes nothing when the Round moved on meanwhile.
   */
  async reap(id: string, attempt: number, reason: string): Promise<void> {
    await this.transitions.change(id, async (tx, round) => {
      if (round.attempt !== attempt || !(['running', 'retrying', 'waiting'] as RoundState[]).includes(round.state))
        return undefined;
      const at = now();
      const report = reapedReport(round, attempt, reason);
      await this.repository.insertReport(tx, {
        id: newRecordId(),
        roundId: id,
        attempt,
        status: 'error',
        document: JSON.stringify(report),
        createdAt: at,
      });
      return { to: 'error', reason, changes: { reportStatus: 'error', finishedAt: at } };
    });
  }

  private async require(id: string): Promise<RoundEntity> {
    const round = await this.repository.findById(id);
    if (!round) throw new NotFoundException(`round ${id} not found`);
    return round;
  }
}
