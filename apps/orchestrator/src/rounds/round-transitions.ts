import { Injectable, Logger, NotFoundException } from '@nestjs/common';
import {
  assertTransition,
  isTerminal,
  needsImplicitStart,
  type RoundMessage,
  type TransitionEvent,
  type WorkerEvent,
} from '@sc/schemas';
import type { EntityManager } from 'typeorm';
import { UnitOfWork } from '../database/unit-of-work';
import { RoundMetrics } from '../metrics/round.metrics';
import type { RoundEntity } from './round.entity';
import { now, type Change, type Planned } from './round-change';
import { RoundEventsService } from './round-events.service';
import { RoundsRepository } from './rounds.repository';

/** Thrown inside a transaction when another writer changed the Round first; the whole change is retried. */
class RoundChangedError extends Error {}

// Concurrent writers of one Round are rare (a cancel racing a report); a few rereads settle it.
const maxChangeAttempts = 5;

/** What a change may add: the worker message it applies (for the implicit start) and the events it carried. */
export interface ChangeOptions {
  messageType?: RoundMessage['type'];
  eventsBeforeLast?: WorkerEvent[];
}

/**
 * The only code that writes a Round's state (`WorkerProtocol`, rule 6): every change is a compare-and-set of the
 * Round in one transaction with its transitions and history, checked by `assertTransition`, retried on a lost
 * race, and emitted as a {@link TransitionEvent} after commit. `RoundsService` (the API's and the reaper's
 * decisions) and `RoundMessagesService` (workers' messages) decide; this writes.
 */
@Injectable()
export class RoundTransitions {
  private readonly logger = new Logger(RoundTransitions.name);

  constructor(
    private readonly repository: RoundsRepository,
    private readonly unitOfWork: UnitOfWork,
    private readonly metrics: RoundMetrics,
    private readonly events: RoundEventsService,
  ) {}

  /**
   * Runs one state change in a transaction: rereads the Round, lets `plan` decide (and write what goes with
   * it), checks and stores the transition(s) in order, `eventsBeforeLast` (a worker's, carried by its message)
   * stored in the Round's history before the last one, then emits them after commit. Returns the Round as changed.
   */
  async change(
    id: string,
    plan: (tx: EntityManager, round: RoundEntity) => Planned | Promise<Planned>,
    options: ChangeOptions = {},
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
      // The resume time belongs to the wait: leaving `waiting`, whichever way (resumed, cancelled, reaped), drops it.
      if (from === 'waiting') written.resumesAt = null;
      Object.assign(written, change.changes, { state: change.to, updatedAt: at });
      Object.assign(round, written);
      return { roundId: round.id, from, to: change.to, reason: change.reason, attempt: round.attempt, at };
    });
    if (!(await this.repository.updateIfUnchanged(tx, read, written))) throw new RoundChangedError(round.id);
    await this.repository.addTransitions(tx, transitions);
    return transitions.map((t) => ({
      type: 'transition',
      round_id: t.roundId,
      attempt: t.attempt,
      from: t.from,
      to: t.to,
      reason: t.reason,
      at: t.at,
    }));
  }

  /** Logs and publishes a committed transition; a terminal one is counted in the Round metrics. */
  private emit(round: RoundEntity, event: TransitionEvent): void {
    // `to` of this event, not `round.state`: an implicit start and the end are emitted for one change.
    if (isTerminal(event.to)) this.metrics.roundEnded(round, event.to, event.at);
    this.logger.log(
      {
        round_id: round.id,
        workorder_id: round.workorderId,
        attempt: event.attempt,
        from: event.from,
        to: event.to,
        reason: event.reason,
      },
      'round transition',
    );
    this.events.transitionCommitted(event);
  }
}
