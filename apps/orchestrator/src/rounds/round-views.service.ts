import { Injectable, NotFoundException } from '@nestjs/common';
import type { CommitRef, ListRoundsQuery, RoundPage, RoundView } from '@sc/schemas';
import { ValidationException } from '../http/validation.exception';
import { decodeCursor, encodeCursor } from './cursor';
import { toCommitRef, toRoundSummaryView, toRoundView } from './round.view';
import { RoundsRepository } from './rounds.repository';

const defaultPageSize = 50;

/** Rounds as the API shows them: reads only; `RoundsService` makes every change. */
@Injectable()
export class RoundViewsService {
  constructor(private readonly repository: RoundsRepository) {}

  /** `GET /rounds/:id`. */
  async get(id: string): Promise<RoundView> {
    const round = await this.repository.findById(id);
    if (!round) throw new NotFoundException(`round ${id} not found`);
    const [transitions, commits, sessions] = await Promise.all([
      this.repository.transitions(id),
      this.repository.commits(id),
      this.repository.sessions(id),
    ]);
    return toRoundView(round, transitions, commits, sessions);
  }

  /** `GET /rounds` (query already checked for shape): newest first, keyset-paginated over (created_at, id). */
  async list(options: ListRoundsQuery): Promise<RoundPage> {
    const after = options.cursor === undefined ? undefined : decodeCursor(options.cursor);
    if (options.cursor !== undefined && !after) {
      throw new ValidationException('query', [{ path: '/cursor', message: 'is not a cursor this API returned' }]);
    }
    const limit = options.limit ?? defaultPageSize;
    const rows = await this.repository.page({
      status: options.status,
      plugin: options.plugin,
      label: options.label,
      branch: options.branch,
      idPrefix: options.id_prefix,
      after,
      limit,
    });
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    const hasMore = rows.length > limit;
    return {
      items: items.map(toRoundSummaryView),
      next_cursor: hasMore && last ? encodeCursor({ createdAt: last.createdAt, id: last.id }) : null,
    };
  }

  /** The commits recorded on a Round (`sc commit`), oldest first. */
  async commits(id: string): Promise<CommitRef[]> {
    return (await this.repository.commits(id)).map(toCommitRef);
  }
}
