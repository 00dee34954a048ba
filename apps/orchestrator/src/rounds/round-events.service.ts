import { Injectable, Logger, NotFoundException, type BeforeApplicationShutdown } from '@nestjs/common';
import {
  isTerminal,
  WorkerProtocol,
  type LogEvent,
  type RoundEvent,
  type RoundState,
  type TransitionEvent,
  type WorkerEvent,
} from '@sc/schemas';
import { filter, interval, merge, Observable, ReplaySubject, Subject } from 'rxjs';
import type { EntityManager } from 'typeorm';
import { UnitOfWork } from '../database/unit-of-work';
import { KeyedSequence } from '../queue/keyed-sequence';
import type { RoundEntity } from './round.entity';
import { keptLogLines, RoundEventsRepository, toRoundEvent } from './round-events.repository';
import { RoundGrowthChannel } from './round-growth.channel';
import { RoundsRepository } from './rounds.repository';

// Workers send phase and log events on the `events` queue and their start and end on `reports`; the two are
// consumed independently, so each side waits a moment for the other to keep a Round's history in order
// (`WorkerProtocol`, rule 5). A lost message only delays, by these bounds, and never loses what is stored.
const { startWaitMs, endMarkerWaitMs: endWaitMs } = WorkerProtocol;
/** Entries read from the database at a time while replaying. */
const pageSize = 500;
// Another orchestrator replica may be the one storing a Round's entries; its notice comes through Redis
// (`RoundGrowthChannel`), and one lost while Redis reconnects is made up for by looking again this often.
const recheckMs = 5_000;
/** States in which no worker runs the Round's attempt: its events wait for the move to `running`. */
const notRunning = new Set<RoundState>(['queued', 'retrying', 'waiting']);

/** An entry of a Round's stream: its event and, for a stored one, its id (the SSE event id). */
export interface StreamedRoundEvent {
  id?: number;
  event: RoundEvent;
}

/** Options of {@link RoundEventsService.follow}. */
export interface FollowOptions {
  /** Replay only what was stored after this id (SSE `Last-Event-ID`). */
  afterId?: number;
  /** False: end once the stored history is replayed, even while the Round runs. */
  isFollowing?: boolean;
}

/**
 * Rounds' histories and their event streams: every transition (stored by `RoundsService` with the change),
 * phase event and log line of a Round is stored in `round_events`, bounded per Round ({@link keptLogLines}),
 * and `GET /rounds/:id/events` reads it from there, replay and live alike, so a follower gets each entry once,
 * in the stored order, whenever it connects.
 */
@Injectable()
export class RoundEventsService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(RoundEventsService.name);
  private readonly committedTransitions = new Subject<TransitionEvent>();
  /** The id of a Round whose history grew. */
  private readonly grown = new Subject<string>();
  /**
   * Fires once when the app shuts down: open event streams end and waits stop, so the HTTP server can close.
   * Replayed to streams opened later (requests the server takes until it closes): they end at once too.
   */
  private readonly closing = new ReplaySubject<void>(1);
  private readonly perRound = new KeyedSequence();

  constructor(
    private readonly repository: RoundEventsRepository,
    private readonly rounds: RoundsRepository,
    private readonly unitOfWork: UnitOfWork,
    private readonly growth: RoundGrowthChannel,
  ) {
    growth.grown().subscribe((roundId) => this.grown.next(roundId));
  }

  /**
   * Adds transitions `RoundsService` is storing in `tx` to the Round's history, with the worker's events a
   * message carried (a short Round's) before the last one: they happened before the attempt ended.
   */
  async addToHistory(
    tx: EntityManager,
    transitions: TransitionEvent[],
    eventsBeforeLast: WorkerEvent[] = [],
  ): Promise<void> {
    if (eventsBeforeLast.length === 0) return this.repository.addTransitions(tx, transitions);
    await this.repository.addTransitions(tx, transitions.slice(0, -1));
    await this.repository.addWorkerEvents(tx, transitions[0].round_id, eventsBeforeLast);
    await this.repository.addTransitions(tx, transitions.slice(-1));
  }

  /** A transition `RoundsService` committed (its history entry with it): followers read on. */
  transitionCommitted(event: TransitionEvent): void {
    this.committedTransitions.next(event);
    this.grew(event.round_id);
  }

  /** Every committed transition from now on, of every Round (the GitHub bot edits its comment when a Round ends). */
  transitions(): Observable<TransitionEvent> {
    return this.committedTransitions.asObservable();
  }

  /**
   * Stores workers' events (of any Rounds, in the order they happened), each Round's once the start of their
   * attempt is stored: a log line never comes before `queued → running`. Events of an unknown Round are dropped,
   * and so are events that arrive once the Round ended or moved to a later attempt: a Round's history closes
   * with its end, which every follower's stream ends on. (Its own last lines are stored before it ends, see
   * {@link untilEnded}; later ones come from a worker that lost the attempt while cut off, or kept printing after a cancel.)
   */
  async record(events: WorkerEvent[]): Promise<void> {
    const byRound = new Map<string, WorkerEvent[]>();
    for (const event of events) byRound.set(event.round_id, [...(byRound.get(event.round_id) ?? []), event]);
    // Handed to the sequence in arrival order, so that batches of one Round are stored in it.
    await Promise.all(
      [...byRound].map(([roundId, batch]) =>
        this.perRound.run(roundId, async () => {
          const round = await this.untilStarted(roundId, Math.max(...batch.map((event) => event.attempt)));
          if (!round)
            return void this.logger.warn(
              { round_id: roundId, events: batch.length },
              'events of an unknown round dropped',
            );
          const current = isTerminal(round.state) ? [] : batch.filter((event) => event.attempt === round.attempt);
          if (current.length < batch.length)
            this.logger.debug({ round_id: roundId, events: batch.length - current.length }, 'late events dropped');
          if (current.length === 0) return;
          await this.unitOfWork.run((tx) => this.repository.addWorkerEvents(tx, roundId, current));
          this.grew(roundId);
        }),
      ),
    );
  }

  /**
   * Resolves once the worker's end-of-events marker of the attempt is stored, or after `endWaitMs` (a lost
   * marker): what a Round's end waits for, so that its last lines come before it.
   */
  async untilEnded(roundId: string, attempt: number): Promise<void> {
    await this.until(
      roundId,
      endWaitMs,
      async () => this.repository.hasEnded(roundId, attempt),
      this.grown.pipe(filter((id) => id === roundId)),
    );
  }

  /** Ends every open event stream before Nest closes the HTTP server (it waits for open responses). */
  beforeApplicationShutdown(): void {
    this.close();
  }

  /**
   * Ends every open event stream and every wait of {@link record} and {@link untilEnded}, now and from now on:
   * a shutdown stores what it holds at once rather than after its waits. Idempotent.
   */
  close(): void {
    this.closing.next();
    this.closing.complete();
  }

  /**
   * `GET /rounds/:id/events`: the Round's stored history from the start (or after `afterId`), then what is
   * stored from now on, each entry once and in order. Ends when the history is replayed and the Round is
   * terminal (or, not following, once it is replayed). Log lines cut from the middle of a long history show
   * as one line saying how many.
   */
  async follow(id: string, options: FollowOptions = {}): Promise<Observable<StreamedRoundEvent>> {
    if (!(await this.rounds.findById(id))) throw new NotFoundException(`round ${id} not found`);
    return new Observable<StreamedRoundEvent>((subscriber) => {
      let cursor = options.afterId ?? 0;
      // Unknown when resuming mid-history: no gap is reported before the first line read.
      let lastLine: number | undefined = cursor === 0 ? 0 : undefined;
      let isReading = false;
      let hasGrown = false;
      const read = async () => {
        if (isReading) return void (hasGrown = true);
        isReading = true;
        let isCheckedTerminal = false;
        for (;;) {
          hasGrown = false;
          const rows = await this.repository.after(id, cursor, pageSize);
          if (subscriber.closed) return;
          for (const row of rows) {
            cursor = row.id;
            if (row.type === 'end') continue;
            const event = toRoundEvent(row);
            if (row.line !== null) {
              if (lastLine !== undefined && row.line > lastLine + 1)
                subscriber.next({ event: cutLines(event as LogEvent, row.line - lastLine - 1) });
              lastLine = row.line;
            }
            subscriber.next({ id: row.id, event });
          }
          if (rows.length === pageSize || hasGrown) continue;
          if (options.isFollowing === false) return subscriber.complete();
          const round = await this.rounds.findById(id);
          if (hasGrown) continue;
          if (!round || !isTerminal(round.state)) break;
          // The end is stored with its transition: one more read catches a transition committed since the last.
          if (isCheckedTerminal) return subscriber.complete();
          isCheckedTerminal = true;
        }
        isReading = false;
      };
      const failed = (error: unknown) => subscriber.error(error);
      const grown = merge(this.grown.pipe(filter((roundId) => roundId === id)), interval(recheckMs)).subscribe(
        () => void read().catch(failed),
      );
      const closing = this.closing.subscribe(() => subscriber.complete());
      void read().catch(failed);
      return () => {
        grown.unsubscribe();
        closing.unsubscribe();
      };
    });
  }

  /** Followers of the Round, here and on the other replicas, read on. */
  private grew(roundId: string): void {
    this.grown.next(roundId);
    this.growth.announce(roundId);
  }

  /** Resolves with the Round once a worker runs (or ran) `attempt` of it, or after `startWaitMs`; null when unknown. */
  private async untilStarted(roundId: string, attempt: number): Promise<RoundEntity | null> {
    // Another replica may store the start: its notice is growth of the Round's history.
    const started = this.grown.pipe(filter((id) => id === roundId));
    await this.until(
      roundId,
      startWaitMs,
      async () => {
        const round = await this.rounds.findById(roundId);
        return !round || round.attempt > attempt || (round.attempt === attempt && !notRunning.has(round.state));
      },
      started,
    );
    return this.rounds.findById(roundId);
  }

  /** Resolves once `isDone` holds, checked now and on each `recheck`, or after `timeoutMs`, or at shutdown. */
  private until(
    roundId: string,
    timeoutMs: number,
    isDone: () => Promise<boolean>,
    recheck: Observable<unknown>,
  ): Promise<void> {
    return new Promise<void>((resolve) => {
      const check = () =>
        void isDone().then(
          (done) => done && finish(),
          (error: unknown) => {
            this.logger.warn({ round_id: roundId, err: error }, 'round history check failed');
            finish();
          },
        );
      // Subscribed before the first check: nothing that happens in between is missed.
      const rechecks = merge(recheck, interval(recheckMs)).subscribe(check);
      const closing = this.closing.subscribe(() => finish());
      const timer = setTimeout(finish, timeoutMs);
      check();
      function finish() {
        clearTimeout(timer);
        rechecks.unsubscribe();
        closing.unsubscribe();
        resolve();
      }
    });
  }
}

/** The line that stands for log lines cut from the middle of a Round's history, just before the next kept one. */
function cutLines(next: LogEvent, count: number): LogEvent {
  const message = `… ${count} log lines not kept (a Round keeps its first ${keptLogLines.head} and last ${keptLogLines.tail}) …`;
  return {
    type: 'log',
    round_id: next.round_id,
    attempt: next.attempt,
    level: 'warn',
    message,
    ...(next.phase ? { phase: next.phase } : {}),
    at: next.at,
  };
}
