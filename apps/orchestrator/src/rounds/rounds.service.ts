import { ConflictException, Injectable, Logger, NotFoundException } from '@nestjs/common';
import {
  assertTransition,
  IllegalTransitionError,
  isCurrentAttempt,
  isTerminal,
  needsImplicitStart,
  RoundStateByReportStatus,
  type RoundFinishedMessage,
  type RoundMessage,
  type RoundRetryingMessage,
  type RoundStartedMessage,
  type RoundState,
  type ReviewDecision,
  type RoundView,
  type StoredWorkOrder,
  type TransitionEvent,
  type WorkerEvent,
} from '@sc/schemas';
import type { EntityManager } from 'typeorm';
import { isUniqueViolation } from '../database/unique-violation';
import { newRecordId } from '../database/record-id';
import { UnitOfWork } from '../database/unit-of-work';
import { RoundMetrics } from '../metrics/round.metrics';
import { CancelRequestsPublisher } from '../queue/cancel-requests.publisher';
import { OutboxRelay } from '../queue/outbox.relay';
import type { OutboxJob } from '../queue/outbox.repository';
import { WorkOrdersProducer } from '../queue/workorders.producer';
import { reapedReport } from '../reports/reaped-report';
import type { RoundEntity } from './round.entity';
import { finishReason, planStart, type Change, type Planned } from './round-change';
import { RoundEventsService } from './round-events.service';
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

/** Thrown inside a transaction when another writer changed the Round first; the whole change is retried. */
class RoundChangedError extends Error {}

// Concurrent writers of one Round are rare (a cancel racing a report); a few rereads settle it.
const maxChangeAttempts = 5;

function now(): string {
  return new Date().toISOString();
}

/**
 * Rounds: the only code that changes a Round's state. Every change goes through `assertTransition`, is
 * stored with its time, reason and attempt in the same transaction, and is emitted as a
 * {@link TransitionEvent} after commit.
 */
@Injectable()
export class RoundsService {
  private readonly logger = new Logger(RoundsService.name);

  constructor(
    private readonly repository: RoundsRepository,
    private readonly unitOfWork: UnitOfWork,
    private readonly producer: WorkOrdersProducer,
    private readonly relay: OutboxRelay,
    private readonly cancelRequests: CancelRequestsPublisher,
    private readonly metrics: RoundMetrics,
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
    };
    await this.repository.insert(tx, round);
    await this.repository.addTransitions(tx, [{ roundId: round.id, from: null, to: 'queued', reason: 'submitted', attempt: 1, at }]);
    await this.events.addToHistory(tx, [{ type: 'transition', round_id: round.id, attempt: 1, from: null, to: 'queued', reason: 'submitted', at }]);
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
    if (round.state === 'running' || (round.state === 'queued' && (await this.producer.isHeldByWorker(id, round.attempt)))) {
      const heard = await this.cancelRequests.publish({ round_id: id, attempt: round.attempt, reason: 'cancel requested by API' });
      this.logger.log({ round_id: id, workorder_id: round.workorderId, attempt: round.attempt, workers: heard }, 'cancel requested');
      return this.views.get(id);
    }
    const cancelled = await this.change(id, async (tx, current) => {
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
    await this.change(id, async (tx, round) => {
      assertTransition(round.state, 'queued');
      const order = await this.repository.findWorkOrder(tx, round.workorderId);
      if (!order) throw new NotFoundException(`work-order ${round.workorderId} of round ${id} not found`);
      const attempt = round.attempt + 1;
      const resumeFrom = fresh ? undefined : await this.repository.resumeFrom(tx, id, round.attempt);
      const job = { round_id: id, workorder_id: round.workorderId, attempt, order, ...(resumeFrom ? { resume_from: resumeFrom } : {}), ...(followUp ? { follow_up: followUp } : {}) };
      staged = await this.producer.stage(tx, job, now());
      const reason = options.reason ?? (fresh ? 'retry requested by API (fresh)' : 'retry requested by API');
      return { to: 'queued', reason, changes: { attempt, startedAt: null, finishedAt: null, reportStatus: null } };
    });
    if (staged) void this.relay.relayCommitted([staged]);
    return this.views.get(id);
  }

  /** A worker took an attempt (see {@link planStart}). */
  async start(message: RoundStartedMessage): Promise<void> {
    await this.onMessage(message, (round) => planStart(round, message));
  }

  /** The attempt will run again later: running → waiting (a model's rate or usage limit) or retrying (a worker stopped). */
  async markRetrying(message: RoundRetryingMessage): Promise<void> {
    const to = message.waiting ? 'waiting' : 'retrying';
    await this.onMessage(message, (round) => {
      if (round.state === to) return undefined;
      return { to, reason: message.reason };
    });
  }

  /**
   * The attempt ended: stores its Report (unique on round and attempt, so a repeated message is acknowledged
   * and changes nothing) and moves the Round to the state of the Report's status. With `started`, the
   * worker's message that came in the same batch (a short Round), the start is applied first, in the same
   * transaction, as {@link start} would. The phase and log events the message carries are stored in the
   * Round's history between its start and its end, where they happened.
   */
  async finish(message: RoundFinishedMessage, started?: RoundStartedMessage): Promise<void> {
    const { report } = message;
    let plugin = 'unknown';
    try {
      const isStored = await this.onMessage(message, async (round, tx) => {
        plugin = round.plugin;
        const start = started ? [planStart(round, started) ?? []].flat() : [];
        await this.repository.insertReport(tx, {
          id: newRecordId(),
          roundId: round.id,
          attempt: message.attempt,
          status: report.status,
          document: JSON.stringify(report),
          createdAt: now(),
        });
        // The review gate holds a Round whose work passed; a person (or the timeout) ends it.
        const isHeld = report.status === 'success' && (await this.repository.findWorkOrder(tx, round.workorderId))?.review?.required === true;
        const to = isHeld ? 'awaiting_review' : RoundStateByReportStatus[report.status];
        return [...start, { to, reason: finishReason(report), changes: { reportStatus: report.status, finishedAt: message.at } }];
      }, message.events?.filter((event) => event.round_id === message.round_id));
      if (isStored) this.metrics.reportStored(report, plugin);
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      this.logger.log({ round_id: message.round_id, attempt: message.attempt }, 'duplicate report ignored');
    }
  }

  /**
   * Ends the review of an `awaiting_review` Round (`POST /rounds/:id/approve|reject`, or its timeout): approved →
   * `succeeded`, rejected → `failed` with the reason; the branch stays either way. Any other state: 409.
   */
  async decideReview(id: string, decision: ReviewDecision): Promise<RoundView> {
    await this.change(id, (_tx, round) => {
      if (round.state !== 'awaiting_review') throw new ConflictException(`round ${id} is ${round.state}, not awaiting_review`);
      const changes = { finishedAt: now() };
      return decision.approved ? { to: 'succeeded', reason: 'review approved', changes } : { to: 'failed', reason: `review rejected: ${decision.reason}`, changes };
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
    await this.change(id, async (tx, round) => {
      if (round.attempt !== attempt || !(['running', 'retrying', 'waiting'] as RoundState[]).includes(round.state)) return undefined;
      const at = now();
      const report = reapedReport(round, attempt, reason);
      await this.repository.insertReport(tx, { id: newRecordId(), roundId: id, attempt, status: 'error', document: JSON.stringify(report), createdAt: at });
      return { to: 'error', reason, changes: { reportStatus: 'error', finishedAt: at } };
    });
  }

  private async require(id: string): Promise<RoundEntity> {
    const round = await this.repository.findById(id);
    if (!round) throw new NotFoundException(`round ${id} not found`);
    return round;
  }

  /**
   * Applies a worker's message to the attempt it names (`WorkerProtocol`, rules 2–4). A message for an unknown
   * Round or another attempt is stale and dropped; a move the state machine refuses is logged and dropped (the
   * message is still acknowledged: redelivering it cannot make it legal). From `queued`, `retrying` or `waiting`,
   * the Round passes through `running` first, with the reason `started (implicit)`, so the audit trail stays legal.
   * Resolves true when the change committed, false when the message was dropped.
   */
  private async onMessage(
    message: RoundStartedMessage | RoundRetryingMessage | RoundFinishedMessage,
    plan: (round: RoundEntity, tx: EntityManager) => Planned | Promise<Planned>,
    eventsBeforeLast?: WorkerEvent[],
  ): Promise<boolean> {
    const log = { round_id: message.round_id, attempt: message.attempt, type: message.type };
    try {
      await this.change(message.round_id, (tx, round) => {
        if (!isCurrentAttempt(round, message)) throw new StaleMessageError(`round is at attempt ${round.attempt}`);
        return plan(round, tx);
      }, { messageType: message.type, eventsBeforeLast });
      return true;
    } catch (error) {
      if (error instanceof NotFoundException || error instanceof StaleMessageError) {
        this.logger.warn({ ...log, reason: error.message }, 'stale round message dropped');
      } else if (error instanceof IllegalTransitionError) {
        this.logger.warn({ ...log, reason: error.message }, 'round message refused');
      } else {
        throw error;
      }
      return false;
    }
  }

  /**
   * Runs one state change in a transaction: rereads the Round, lets `plan` decide (and write what goes with
   * it), checks and stores the transition(s) in order, `eventsBeforeLast` (a worker's, carried by its message)
   * stored in the Round's history before the last one, then emits them after commit. Returns the Round as changed.
   */
  private async change(
    id: string,
    plan: (tx: EntityManager, round: RoundEntity) => Planned | Promise<Planned>,
    options: { messageType?: RoundMessage['type']; eventsBeforeLast?: WorkerEvent[] } = {},
  ): Promise<RoundEntity> {
    for (let attempt = 1; ; attempt++) {
      try {
        const { round, events } = await this.unitOfWork.run(async (tx) => {
          const current = await this.repository.findById(id, tx);
          if (!current) throw new NotFoundException(`round ${id} not found`);
          const changes = [(await plan(tx, current)) ?? []].flat();
          if (changes.length === 0) return { round: current, events: [] };
          if (options.messageType && needsImplicitStart(current.state, changes[0].to, options.messageType)) {
            changes.unshift({ to: 'running', reason: 'started (implicit)', changes: { startedAt: now() } });
          }
          const events = await this.transition(tx, current, changes);
          await this.events.addToHistory(tx, events, options.eventsBeforeLast);
          return { round: current, events };
        });
        events.forEach((event) => this.emit(round, event));
        return round;
      } catch (error) {
        if (!(error instanceof RoundChangedError) || attempt >= maxChangeAttempts) throw error;
      }
    }
  }

  /**
   * Checks `changes` in order and writes them in `tx`: one compare-and-set of the Round (a short Round's start
   * and end are one update) and its transitions in one insert. Updates `round` in place.
   */
  private async transition(tx: EntityManager, round: RoundEntity, changes: Change[]): Promise<TransitionEvent[]> {
    const read = { id: round.id, state: round.state, attempt: round.attempt };
    const at = now();
    const written: Partial<RoundEntity> = {};
    const transitions = changes.map((change) => {
      assertTransition(round.state, change.to);
      const from = round.state;
      Object.assign(written, change.changes, { state: change.to, updatedAt: at });
      Object.assign(round, written);
      return { roundId: round.id, from, to: change.to, reason: change.reason, attempt: round.attempt, at };
    });
    if (!(await this.repository.updateIfUnchanged(tx, read, written))) throw new RoundChangedError(round.id);
    await this.repository.addTransitions(tx, transitions);
    return transitions.map((t) => ({ type: 'transition', round_id: t.roundId, attempt: t.attempt, from: t.from, to: t.to, reason: t.reason, at: t.at }));
  }

  /** Logs and publishes a committed transition; a terminal one is counted in the Round metrics. */
  private emit(round: RoundEntity, event: TransitionEvent): void {
    // `to` of this event, not `round.state`: an implicit start and the end are emitted for one change.
    if (isTerminal(event.to)) this.metrics.roundEnded(round, event.to, event.at);
    this.logger.log({ round_id: round.id, workorder_id: round.workorderId, attempt: event.attempt, from: event.from, to: event.to, reason: event.reason }, 'round transition');
    this.events.transitionCommitted(event);
  }
}

/** A worker's message about an attempt the Round is no longer at. */
class StaleMessageError extends Error {}
