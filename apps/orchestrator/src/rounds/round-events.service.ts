import { Injectable, NotFoundException, type BeforeApplicationShutdown } from '@nestjs/common';
import { isTerminal, type EventsEndEvent, type RoundEvent, type RoundState, type TransitionEvent } from '@sc/schemas';
import { filter, Observable, Subject } from 'rxjs';
import { toTransitionView } from './round.view';
import { RoundsRepository } from './rounds.repository';

// How long a follower waits for a worker's end-of-events marker once the Round is terminal (a lost marker
// must not hold a stream open).
const eventsGraceMs = 2_000;

/**
 * The event stream of Rounds: committed transitions (from `RoundsService`) and workers' phase and log events,
 * for `GET /rounds/:id/events` and in-process subscribers.
 */
@Injectable()
export class RoundEventsService implements BeforeApplicationShutdown {
  private readonly events = new Subject<RoundEvent | EventsEndEvent>();
  /** Fires once when the app shuts down: open event streams end, so the HTTP server can close. */
  private readonly closing = new Subject<void>();

  constructor(private readonly repository: RoundsRepository) {}

  /** A committed transition, or a worker's phase, log or end event. */
  publish(event: RoundEvent | EventsEndEvent): void {
    this.events.next(event);
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

  /**
   * `GET /rounds/:id/events`: the stored transitions first, then live transitions, phase and log events.
   * Completes at once when the Round is already terminal; when it becomes terminal while followed, once the
   * worker's end-of-events marker for that attempt arrived (events and reports travel on two queues), or after
   * `eventsGraceMs` when the marker was lost.
   */
  async follow(id: string): Promise<Observable<RoundEvent>> {
    if (!(await this.repository.findById(id))) throw new NotFoundException(`round ${id} not found`);
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
          terminal = isTerminal(event.to as RoundState) ? event : undefined;
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
}

function transitionKey(event: TransitionEvent): string {
  return `${event.at}|${event.from}|${event.to}|${event.attempt}`;
}
