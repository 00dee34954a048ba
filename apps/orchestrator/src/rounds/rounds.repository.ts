import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { StoredWorkOrder } from '@sc/schemas';
import { DataSource, LessThan, type EntityManager } from 'typeorm';
import { ReportEntity } from '../reports/report.entity';
import { WorkOrderEntity } from '../workorders/workorder.entity';
import type { RoundCursor } from './cursor';
import { RoundCommitEntity } from './round-commit.entity';
import { RoundTransitionEntity } from './round-transition.entity';
import { RoundEntity } from './round.entity';

/** Filters of one page of Rounds. */
export interface RoundFilter {
  status?: string;
  plugin?: string;
  label?: string;
  branch?: string;
  after?: RoundCursor;
  limit: number;
}

/**
 * Storage of Rounds, their transitions, commits and Reports. Writing methods take the caller's `tx`;
 * reading methods take one when the read must see the transaction's own writes.
 */
@Injectable()
export class RoundsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async insert(tx: EntityManager, round: RoundEntity): Promise<void> {
    await tx.insert(RoundEntity, round);
  }

  /** Not a state change: no transition, and `updated_at` stays, so a concurrent state change is not refused. */
  async setPullRequest(tx: EntityManager, id: string, number: number, url: string): Promise<void> {
    await tx.update(RoundEntity, { id }, { pullRequestNumber: number, pullRequestUrl: url });
  }

  findById(id: string, tx: EntityManager = this.dataSource.manager): Promise<RoundEntity | null> {
    return tx.findOneBy(RoundEntity, { id });
  }

  /** The first Round of a work-order: the one its submit answered with. */
  findFirstOfWorkOrder(workorderId: string): Promise<RoundEntity | null> {
    return this.dataSource.manager.findOne(RoundEntity, { where: { workorderId }, order: { createdAt: 'ASC', id: 'ASC' } });
  }

  /**
   * Writes `changes` only if the Round is still in the state and attempt `round` was read with
   * (compare-and-set); false when someone changed it in between.
   */
  async updateIfUnchanged(tx: EntityManager, round: RoundEntity, changes: Partial<RoundEntity>): Promise<boolean> {
    const result = await tx.update(RoundEntity, { id: round.id, state: round.state, attempt: round.attempt }, changes);
    return result.affected === 1;
  }

  async addTransition(tx: EntityManager, transition: Omit<RoundTransitionEntity, 'id'>): Promise<void> {
    await tx.insert(RoundTransitionEntity, transition);
  }

  transitions(roundId: string): Promise<RoundTransitionEntity[]> {
    return this.dataSource.manager.find(RoundTransitionEntity, { where: { roundId }, order: { id: 'ASC' } });
  }

  /** Rounds a worker holds or will resume (`running`, `retrying`) that nothing changed since `before`, oldest first. */
  findUnfinishedBefore(before: string, limit: number): Promise<RoundEntity[]> {
    return this.dataSource.manager.find(RoundEntity, {
      where: [
        { state: 'running', updatedAt: LessThan(before) },
        { state: 'retrying', updatedAt: LessThan(before) },
      ],
      order: { updatedAt: 'ASC' },
      take: limit,
    });
  }

  /** One page, newest first, one row more than `limit` so the caller knows whether a next page exists. */
  page(filter: RoundFilter): Promise<RoundEntity[]> {
    const query = this.dataSource.manager.createQueryBuilder(RoundEntity, 'round');
    if (filter.status) query.andWhere('round.state = :status', { status: filter.status });
    if (filter.plugin) query.andWhere('round.plugin = :plugin', { plugin: filter.plugin });
    if (filter.branch) query.andWhere('round.branch = :branch', { branch: filter.branch });
    if (filter.label) {
      // Labels are a JSON array in text; the quoted label matches exactly one element (LIKE wildcards escaped).
      query.andWhere("round.labels LIKE :label ESCAPE '\\'", { label: `%${escapeLike(JSON.stringify(filter.label))}%` });
    }
    if (filter.after) {
      // A row-value comparison, not `a < x OR (a = x AND b < y)`: both databases turn it into the start of an
      // index range, where Postgres only filtered the OR form row by row from the newest Round (bench/README.md).
      query.andWhere('(round.createdAt, round.id) < (:createdAt, :id)', filter.after);
    }
    return query.orderBy('round.createdAt', 'DESC').addOrderBy('round.id', 'DESC').take(filter.limit + 1).getMany();
  }

  /** The stored document of a work-order (a retry sends it again). */
  async findWorkOrder(tx: EntityManager, workorderId: string): Promise<StoredWorkOrder | undefined> {
    const row = await tx.findOneBy(WorkOrderEntity, { id: workorderId });
    return row ? (JSON.parse(row.document) as StoredWorkOrder) : undefined;
  }

  async insertReport(tx: EntityManager, report: ReportEntity): Promise<void> {
    await tx.insert(ReportEntity, report);
  }

  /** The Report of the Round's latest finished attempt. */
  latestReport(roundId: string): Promise<ReportEntity | null> {
    return this.dataSource.manager.findOne(ReportEntity, { where: { roundId }, order: { attempt: 'DESC' } });
  }

  reportById(id: string): Promise<ReportEntity | null> {
    return this.dataSource.manager.findOneBy(ReportEntity, { id });
  }

  async insertCommit(tx: EntityManager, commit: Omit<RoundCommitEntity, 'id'>): Promise<void> {
    await tx.insert(RoundCommitEntity, commit);
  }

  findCommit(roundId: string, sha: string): Promise<RoundCommitEntity | null> {
    return this.dataSource.manager.findOneBy(RoundCommitEntity, { roundId, sha });
  }

  commits(roundId: string): Promise<RoundCommitEntity[]> {
    return this.dataSource.manager.find(RoundCommitEntity, { where: { roundId }, order: { id: 'ASC' } });
  }
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (char) => `\\${char}`);
}
