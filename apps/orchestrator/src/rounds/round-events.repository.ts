import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { RoundEvent, TransitionEvent, WorkerEvent } from '@sc/schemas';
import { Between, DataSource, MoreThan, type EntityManager } from 'typeorm';
import { insertRows } from '../database/direct-sql';
import { RoundEventEntity } from './round-event.entity';

/**
 * A Round keeps its first `head` and last `tail` log lines; the ones between are deleted as new ones come, so
 * a Round's history stays below (head + tail) × 8 KiB of log text (the runner cuts a line at 8 KiB), however
 * long it runs. Transitions and phase events are always kept.
 */
export const keptLogLines: KeptLogLines = { head: 1_000, tail: 1_000 };

/** How many log lines of a Round are kept: the first `head` and the last `tail`. */
export interface KeptLogLines {
  head: number;
  tail: number;
}

/** Storage of Rounds' histories (`round_events`). Writing methods take the caller's `tx`. */
@Injectable()
export class RoundEventsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Appends transitions to their Rounds' histories, in order. */
  addTransitions(tx: EntityManager, transitions: TransitionEvent[]): Promise<void> {
    return insertRows(
      tx,
      RoundEventEntity,
      transitions.map((event) => ({
        roundId: event.round_id,
        attempt: event.attempt,
        type: 'transition' as const,
        line: null,
        data: JSON.stringify(event),
      })),
    );
  }

  /**
   * Appends a worker's events of one Round in order, numbering its log lines on from the last one stored,
   * then deletes the log lines past the first `keptLogLines.head` that are no longer among the last `tail`.
   * Callers append to one Round one at a time (the numbering reads, then writes).
   */
  async addWorkerEvents(
    tx: EntityManager,
    roundId: string,
    events: WorkerEvent[],
    kept: KeptLogLines = keptLogLines,
  ): Promise<void> {
    if (events.length === 0) return;
    const { last } = (await tx
      .createQueryBuilder(RoundEventEntity, 'event')
      .select('MAX(event.line)', 'last')
      .where('event.roundId = :roundId', { roundId })
      .getRawOne<{ last: number | null }>()) ?? { last: null };
    let line = Number(last ?? 0);
    const rows = events.map((event) => ({
      roundId,
      attempt: event.attempt,
      type: event.type,
      line: event.type === 'log' ? ++line : null,
      data: JSON.stringify(event),
    }));
    await insertRows(tx, RoundEventEntity, rows);
    if (line > kept.head + kept.tail)
      await tx.delete(RoundEventEntity, { roundId, line: Between(kept.head + 1, line - kept.tail) });
  }

  /** Up to `limit` entries of a Round's history after `afterId`, oldest first. */
  after(roundId: string, afterId: number, limit: number): Promise<RoundEventEntity[]> {
    return this.dataSource.manager.find(RoundEventEntity, {
      where: { roundId, id: MoreThan(afterId) },
      order: { id: 'ASC' },
      take: limit,
    });
  }

  /** Whether the worker's end marker of the attempt is stored: every event of it is. */
  async hasEnded(roundId: string, attempt: number): Promise<boolean> {
    return (await this.dataSource.manager.countBy(RoundEventEntity, { roundId, attempt, type: 'end' })) > 0;
  }
}

/** The event a stored history entry streams. */
export function toRoundEvent(row: RoundEventEntity): RoundEvent {
  return JSON.parse(row.data) as RoundEvent;
}
