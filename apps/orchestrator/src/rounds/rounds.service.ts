import { Injectable, Logger, NotFoundException, type BeforeApplicationShutdown } from '@nestjs/common';
import {
  isIdleTimeout,
  assertTransition,
  canTransition,
  IllegalTransitionError,
  isTerminal,
  ReportSchemaVersion,
  RoundStateByReportStatus,
  type CommitRef,
  type RecordedCommitView,
  type Report,
  type RoundEvent,
  type RoundFinishedMessage,
  type RoundPage,
  type RoundPullRequestView,
  type RoundRetryingMessage,
  type RoundStartedMessage,
  type RoundState,
  type RoundView,
  type StoredWorkOrder,
  type TransitionEvent,
  type EventsEndEvent,
  type WorkerEvent,
  type ListRoundsQuery,
} from '@sc/schemas';
import { filter, Observable, Subject } from 'rxjs';
import type { EntityManager } from 'typeorm';
import { isUniqueViolation } from '../database/unique-violation';
import { newRecordId } from '../database/record-id';
import { UnitOfWork } from '../database/unit-of-work';
import { ValidationException } from '../http/validation.exception';
import { RoundMetrics } from '../metrics/round.metrics';
import { CancelRequestsPublisher } from '../queue/cancel-requests.publisher';
import { OutboxRelay } from '../queue/outbox.relay';
import type { OutboxJob } from '../queue/outbox.repository';
import { WorkOrdersProducer } from '../queue/workorders.producer';
import { decodeCursor, encodeCursor } from './cursor';
import type { RoundEntity } from './round.entity';
import { toCommitRef, toRecordedCommitView, toRoundSummaryView, toRoundView, toTransitionView } from './round.view';
import { RoundsRepository } from './rounds.repository';

/** A state change to make: where to, why, and the other columns that change with it. */
interface Change {
  to: RoundState;
  reason: string;
  changes?: Partial<RoundEntity>;
}

/** What a plan decides: nothing, one change, or several made in order in the same transaction. */
type Planned = Change | Change[] | undefined;

/** Thrown inside a transaction when another writer changed the Round first; the whole change is retried. */
class RoundChangedError extends Error {}

const defaultPageSize = 50;
// Concurrent writers of one Round are rare (a cancel racing a report); a few rereads settle it.
const maxChangeAttempts = 5;
// How long a follower waits for a worker's end-of-events marker once the Round is terminal (a lost marker
// must not hold a stream open).
const eventsGraceMs = 2_000;

function now(): string {
  return new Date().toISOString();
}

/**
 * Rounds: the only code that changes a Round's state. Every change goes through `assertTransition`, is
 * stored with its time, reason and attempt in the same transaction, and is emitted as a
 * {@link TransitionEvent} after commit.
 */
@Injectable()
export class RoundsService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(RoundsService.name);
  private readonly events = new Subject<RoundEvent | EventsEndEvent>();
  /** Fires once when the app shuts down: open event streams end, so the HTTP server can close. */
  private readonly closing = new Subject<void>();

  constructor(
    private readonly repository: RoundsRepository,
    private readonly unitOfWork: UnitOfWork,
    private readonly producer: WorkOrdersProducer,
    private readonly relay: OutboxRelay,
    private readonly cancelRequests: CancelRequestsPublisher,
    private readonly metrics: RoundMetrics,
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
    const staged = await this.producer.stage(tx, { round_id: round.id, workorder_id: order.id, attempt: 1, order }, at);
    return { round, staged };
  }

  /** The Round a work-order's submit created, if any. */
  findFirstOfWorkOrder(workorderId: string): Promise<RoundEntity | null> {
    return this.repository.findFirstOfWorkOrder(workorderId);
  }

  /** `GET /rounds/:id`. */
  async get(id: string): Promise<RoundView> {
    const round = await this.require(id);
    const [transitions, commits, sessions] = await Promise.all([this.repository.transitions(id), this.repository.commits(id), this.repository.sessions(id)]);
    return toRoundView(round, transitions, commits, sessions);
  }

  /** `GET /rounds` (query already checked for shape): newest first, keyset-paginated over (created_at, id). */
  async list(options: ListRoundsQuery): Promise<RoundPage> {
    const after = options.cursor === undefined ? undefined : decodeCursor(options.cursor);
    if (options.cursor !== undefined && !after) {
      throw new ValidationException('query', [{ path: '/cursor', message: 'is not a cursor this API returned' }]);
    }
    const limit = options.limit ?? defaultPageSize;
    const rows = await this.repository.page({ status: options.status, plugin: options.plugin, label: options.label, branch: options.branch, after, limit });
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    const hasMore = rows.length > limit;
    return { items: items.map(toRoundSummaryView), next_cursor: hasMore && last ? encodeCursor({ createdAt: last.createdAt, id: last.id }) : null };
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
      return this.get(id);
    }
    const cancelled = await this.change(id, async (tx, current) => {
      await this.producer.discardStaged(tx, current.id, current.attempt);
      return { to: 'cancelled', reason: 'cancel requested by API', changes: { finishedAt: now() } };
    });
    // A job the relay adds after this commit is taken back by the relay: its outbox row is gone.
    await this.producer.withdraw(cancelled.id, cancelled.attempt).catch((error: unknown) => {
      this.logger.warn({ round_id: id, attempt: cancelled.attempt, err: error }, 'cancelled job not withdrawn');
    });
    return this.get(id);
  }

  /**
   * `POST /rounds/:id/retry`: a finished Round goes back to `queued` as attempt + 1, its agents resuming the
   * sessions the last attempt's Report names (unless `fresh`). Otherwise 409.
   */
  async retry(id: string, fresh = false): Promise<RoundView> {
    let staged: OutboxJob | undefined;
    await this.change(id, async (tx, round) => {
      assertTransition(round.state, 'queued');
      const order = await this.repository.findWorkOrder(tx, round.workorderId);
      if (!order) throw new NotFoundException(`work-order ${round.workorderId} of round ${id} not found`);
      const attempt = round.attempt + 1;
      const resumeFrom = fresh ? undefined : await this.repository.resumeFrom(tx, id, round.attempt);
      const job = { round_id: id, workorder_id: round.workorderId, attempt, order, ...(resumeFrom ? { resume_from: resumeFrom } : {}) };
      staged = await this.producer.stage(tx, job, now());
      return { to: 'queued', reason: fresh ? 'retry requested by API (fresh)' : 'retry requested by API', changes: { attempt, startedAt: null, finishedAt: null, reportStatus: null } };
    });
    if (staged) void this.relay.relayCommitted([staged]);
    return this.get(id);
  }

  /** `POST /rounds/:id/commits`: records a commit made for the Round; recording the same sha again changes nothing. */
  async recordCommit(id: string, commit: CommitRef): Promise<RecordedCommitView> {
    await this.require(id);
    try {
      await this.unitOfWork.run((tx) =>
        this.repository.insertCommit(tx, { roundId: id, sha: commit.sha, branch: commit.branch ?? null, message: commit.message ?? null, createdAt: now() }),
      );
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
    }
    const stored = await this.repository.findCommit(id, commit.sha);
    if (!stored) throw new NotFoundException(`commit ${commit.sha} of round ${id} not found`);
    return toRecordedCommitView(stored);
  }

  /** `GET /reports/:id`: the latest Report of a Round (or a Report by its own id), with recorded commits merged in. */
  async getReport(id: string): Promise<Report> {
    const row = (await this.repository.latestReport(id)) ?? (await this.repository.reportById(id));
    if (!row) throw new NotFoundException(`report ${id} not found`);
    const report = JSON.parse(row.document) as Report;
    const known = new Set(report.commits.map((commit) => commit.sha));
    const recorded = (await this.repository.commits(row.roundId)).map(toCommitRef).filter((commit) => !known.has(commit.sha));
    return { ...report, commits: [...report.commits, ...recorded] };
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
   * transaction, as {@link start} would. The phase and log events the message carries are passed on between
   * the Round's start and its end, where they happened.
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
        return [...start, { to: RoundStateByReportStatus[report.status], reason: finishReason(report), changes: { reportStatus: report.status, finishedAt: message.at } }];
      }, message.events?.filter((event) => event.round_id === message.round_id));
      if (isStored) this.metrics.reportStored(report, plugin);
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      this.logger.log({ round_id: message.round_id, attempt: message.attempt }, 'duplicate report ignored');
    }
  }

  /** Stores the pull request a Round opened or updated (GitHub), shown by `GET /rounds/:id`. */
  async recordPullRequest(id: string, pullRequest: RoundPullRequestView): Promise<void> {
    await this.require(id);
    await this.unitOfWork.run((tx) => this.repository.setPullRequest(tx, id, pullRequest.number, pullRequest.url));
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
      const report: Report = {
        schema_version: ReportSchemaVersion,
        round_id: id,
        workorder_id: round.workorderId,
        status: 'error',
        summary: reason,
        error: reason,
        phases: [],
        token_usage: [],
        cost_usd: 0,
        artifacts: [],
        commits: [],
        attempt,
        worker: round.worker ?? 'none',
      };
      await this.repository.insertReport(tx, { id: newRecordId(), roundId: id, attempt, status: 'error', document: JSON.stringify(report), createdAt: at });
      return { to: 'error', reason, changes: { reportStatus: 'error', finishedAt: at } };
    });
  }

  /** Every committed transition from now on, of every Round (the GitHub bot edits its comment when a Round ends). */
  transitions(): Observable<TransitionEvent> {
    return this.events.pipe(filter((event): event is TransitionEvent => event.type === 'transition'));
  }

  /** Ends every open event stream before Nest closes the HTTP server (it waits for open responses). */
  beforeApplicationShutdown(): void {
    this.closing.next();
    this.closing.complete();
  }

  /** Phase and log events from workers, for `GET /rounds/:id/events`. */
  publishEvent(event: RoundEvent | EventsEndEvent): void {
    this.events.next(event);
  }

  /**
   * `GET /rounds/:id/events`: the stored transitions first, then live transitions, phase and log events.
   * Completes at once when the Round is already terminal; when it becomes terminal while followed, once the
   * worker's end-of-events marker for that attempt arrived (events and reports travel on two queues), or after
   * `eventsGraceMs` when the marker was lost.
   */
  async follow(id: string): Promise<Observable<RoundEvent>> {
    await this.require(id);
    return new Observable<RoundEvent>((subscriber) => {
      // Subscribe before reading the past, and drop live transitions the past already holds.
      const buffered: (RoundEvent | EventsEndEvent)[] = [];
      let isReplaying = true;
      let terminal: TransitionEvent | undefined;
      let grace: NodeJS.Timeout | undefined;
      const endedAttempts = new Set<number>();
      const seen = new Set<string>();
      const emit = (event: RoundEvent | EventsEndEvent) => {
        if (event.type === 'end') return void endedAttempts.add(event.attempt);
        if (event.type === 'transition') {
          const key = transitionKey(event);
          if (seen.has(key)) return;
          seen.add(key);
          terminal = isTerminal(event.to) ? event : undefined;
        }
        subscriber.next(event);
      };
      const endWhenDrained = () => {
        if (!terminal) return;
        if (endedAttempts.has(terminal.attempt)) return subscriber.complete();
        grace ??= setTimeout(() => subscriber.complete(), eventsGraceMs);
      };
      const live = this.events.pipe(filter((event) => event.round_id === id)).subscribe((event) => {
        if (isReplaying) return void buffered.push(event);
        emit(event);
        endWhenDrained();
      });
      void this.repository
        .transitions(id)
        .then((transitions) => {
          for (const transition of transitions) emit({ type: 'transition', round_id: id, ...toTransitionView(transition) });
          if (terminal && buffered.length === 0) return subscriber.complete();
          for (const event of buffered.splice(0)) emit(event);
          isReplaying = false;
          endWhenDrained();
        })
        .catch((error: unknown) => subscriber.error(error));
      const closing = this.closing.subscribe(() => subscriber.complete());
      return () => {
        clearTimeout(grace);
        live.unsubscribe();
        closing.unsubscribe();
      };
    });
  }

  private async require(id: string): Promise<RoundEntity> {
    const round = await this.repository.findById(id);
    if (!round) throw new NotFoundException(`round ${id} not found`);
    return round;
  }

  /**
   * Applies a worker's message to the attempt it names. A message for an unknown Round or another attempt
   * is stale and dropped; a move the state machine refuses is logged and dropped (the message is still
   * acknowledged: redelivering it cannot make it legal). From `queued` or `retrying`, the Round passes
   * through `running` first, with the reason `started (implicit)`, so the audit trail stays legal.
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
        if (round.attempt !== message.attempt) throw new StaleMessageError(`round is at attempt ${round.attempt}`);
        return plan(round, tx);
      }, { isImplicitStart: message.type !== 'started', eventsBeforeLast });
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
   * it), checks and stores the transition(s) in order, then emits them after commit, `eventsBeforeLast` (a
   * worker's, carried by its message) before the last one. Returns the Round as changed.
   */
  private async change(
    id: string,
    plan: (tx: EntityManager, round: RoundEntity) => Planned | Promise<Planned>,
    options: { isImplicitStart?: boolean; eventsBeforeLast?: WorkerEvent[] } = {},
  ): Promise<RoundEntity> {
    for (let attempt = 1; ; attempt++) {
      try {
        const { round, events } = await this.unitOfWork.run(async (tx) => {
          const current = await this.repository.findById(id, tx);
          if (!current) throw new NotFoundException(`round ${id} not found`);
          const changes = [(await plan(tx, current)) ?? []].flat();
          if (changes.length === 0) return { round: current, events: [] };
          if (options.isImplicitStart && changes[0].to !== 'running' && current.state !== 'running' && canTransition(current.state, 'running')) {
            changes.unshift({ to: 'running', reason: 'started (implicit)', changes: { startedAt: now() } });
          }
          return { round: current, events: await this.transition(tx, current, changes) };
        });
        events.forEach((event, i) => {
          if (i === events.length - 1) options.eventsBeforeLast?.forEach((workerEvent) => this.publishEvent(workerEvent));
          this.emit(round, event);
        });
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
    this.events.next(event);
  }
}

/** The reason of a Round's last transition: its Report's status, and for an agent gone silent, that it was idle. */
function finishReason(report: Report): string {
  return report.status === 'timeout' && isIdleTimeout(report) ? 'finished: timeout (idle)' : `finished: ${report.status}`;
}

/**
 * What a worker's `started` changes: → running. A repeat from the same worker changes nothing. From another
 * worker while running, the first one was lost (its job lock expired and BullMQ handed the job on): running →
 * retrying → running.
 */
function planStart(round: RoundEntity, message: RoundStartedMessage): Planned {
  // The worker's times: a Round's duration is measured on one clock, whenever its messages are applied.
  const started: Change = { to: 'running', reason: `started by ${message.worker}`, changes: { worker: message.worker, startedAt: message.at } };
  if (round.state !== 'running') return started;
  if (round.worker === message.worker) return undefined;
  return [{ to: 'retrying', reason: `worker lost: ${round.worker ?? 'unknown'}` }, started];
}

/** A worker's message about an attempt the Round is no longer at. */
class StaleMessageError extends Error {}

function transitionKey(event: TransitionEvent): string {
  return `${event.at}|${event.from}|${event.to}|${event.attempt}`;
}
