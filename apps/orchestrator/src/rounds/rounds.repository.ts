import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { AgentSession, Report, ResumeFrom, StoredWorkOrder } from '@sc/schemas';
import { DataSource, LessThan, Not, type EntityManager } from 'typeorm';
import { findOneRow, insertRows, updateRows } from '../database/direct-sql';
import { ReportEntity } from '../reports/report.entity';
import { WorkOrderEntity } from '../workorders/workorder.entity';
import type { RoundCursor } from './cursor';
import { RoundCommitEntity } from './round-commit.entity';
import { RoundLabelEntity } from './round-label.entity';
import { RoundTransitionEntity } from './round-transition.entity';
import { RoundEntity } from './round.entity';

/** Filters of one page of Rounds. */
export interface RoundFilter {
  status?: string;
  plugin?: string;
  label?: string;
  branch?: string;
  idPrefix?: string;
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

  /** The Round and one `round_labels` row per label, which `page` reads for a label filter. */
  async insert(tx: EntityManager, round: RoundEntity): Promise<void> {
    await insertRows(tx, RoundEntity, [round]);
    const labels = [...new Set(JSON.parse(round.labels) as string[])];
    await insertRows(
      tx,
      RoundLabelEntity,
      labels.map((label) => ({ roundId: round.id, label, createdAt: round.createdAt })),
    );
  }

  /** Not a state change: no transition, and `updated_at` stays, so a concurrent state change is not refused. */
  async setPullRequest(tx: EntityManager, id: string, number: number, url: string): Promise<void> {
    await tx.update(RoundEntity, { id }, { pullRequestNumber: number, pullRequestUrl: url });
  }

  /** The newest Round that opened or updated the pull request at `url` (its web URL). */
  findNewestByPullRequestUrl(url: string): Promise<RoundEntity | null> {
    return this.dataSource.manager.findOne(RoundEntity, {
      where: { pullRequestUrl: url },
      order: { createdAt: 'DESC', id: 'DESC' },
    });
  }

  /** How many transitions of the Rounds of the pull request at `url` have a reason starting with `prefix`. */
  countPullRequestTransitions(url: string, prefix: string): Promise<number> {
    return this.dataSource.manager
      .createQueryBuilder(RoundTransitionEntity, 't')
      .innerJoin(RoundEntity, 'r', 'r.id = t.round_id')
      .where('r.pull_request_url = :url AND t.reason LIKE :prefix', {
        url,
        prefix: `${prefix.replace(/[%_\\]/g, '')}%`,
      })
      .getCount();
  }

  findById(id: string, tx?: EntityManager): Promise<RoundEntity | null> {
    return tx ? findOneRow(tx, RoundEntity, { id }) : this.dataSource.manager.findOneBy(RoundEntity, { id });
  }

  /** The first Round of a work-order: the one its submit answered with. */
  findFirstOfWorkOrder(workorderId: string): Promise<RoundEntity | null> {
    return this.dataSource.manager.findOne(RoundEntity, {
      where: { workorderId },
      order: { createdAt: 'ASC', id: 'ASC' },
    });
  }

  /**
   * The newest Round on `branch` that belongs to another work-order than `workorderId`, read in `tx`. On Postgres
   * it first takes a transaction lock on the branch name, so two submits naming the same branch check one after
   * the other rather than both finding it free (SQLite runs write transactions one at a time anyway).
   */
  async findOnBranchOfOtherWorkOrder(
    tx: EntityManager,
    branch: string,
    workorderId: string,
  ): Promise<RoundEntity | null> {
    if (tx.connection.options.type === 'postgres')
      await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`branch:${branch}`]);
    return tx.findOne(RoundEntity, {
      where: { branch, workorderId: Not(workorderId) },
      order: { createdAt: 'DESC', id: 'DESC' },
    });
  }

  /**
   * Writes `changes` only if the Round is still in the state and attempt `round` was read with
   * (compare-and-set); false when someone changed it in between.
   */
  async updateIfUnchanged(
    tx: EntityManager,
    round: Pick<RoundEntity, 'id' | 'state' | 'attempt'>,
    changes: Partial<RoundEntity>,
  ): Promise<boolean> {
    return (
      (await updateRows(tx, RoundEntity, { id: round.id, state: round.state, attempt: round.attempt }, changes)) === 1
    );
  }

  /** Inserts `transitions` in one statement, in their order (their ids follow it). */
  addTransitions(tx: EntityManager, transitions: Omit<RoundTransitionEntity, 'id'>[]): Promise<void> {
    return insertRows(tx, RoundTransitionEntity, transitions);
  }

  transitions(roundId: string): Promise<RoundTransitionEntity[]> {
    return this.dataSource.manager.find(RoundTransitionEntity, { where: { roundId }, order: { id: 'ASC' } });
  }

  /** Rounds a worker holds or will resume (`running`, `retrying`, `waiting`) that nothing changed since `before`, oldest first. */
  findUnfinishedBefore(before: string, limit: number): Promise<RoundEntity[]> {
    return this.dataSource.manager.find(RoundEntity, {
      where: [
        { state: 'running', updatedAt: LessThan(before) },
        { state: 'retrying', updatedAt: LessThan(before) },
        { state: 'waiting', updatedAt: LessThan(before) },
      ],
      order: { updatedAt: 'ASC' },
      take: limit,
    });
  }

  /**
   * One page, newest first, one row more than `limit` so the caller knows whether a next page exists. With a
   * label, the page is ordered and cut on the label's rows, which carry the Round's (created_at, id): one range
   * of the `(label, created_at, round_id)` index, each Round then read by its key.
   */
  page(filter: RoundFilter): Promise<RoundEntity[]> {
    const query = this.dataSource.manager.createQueryBuilder(RoundEntity, 'round');
    let keyset = { createdAt: 'round.createdAt', id: 'round.id' };
    if (filter.label) {
      query.innerJoin(RoundLabelEntity, 'label', 'label.roundId = round.id AND label.label = :label', {
        label: filter.label,
      });
      keyset = { createdAt: 'label.createdAt', id: 'label.roundId' };
    }
    if (filter.status) query.andWhere('round.state = :status', { status: filter.status });
    if (filter.plugin) query.andWhere('round.plugin = :plugin', { plugin: filter.plugin });
    if (filter.branch) query.andWhere('round.branch = :branch', { branch: filter.branch });
    if (filter.idPrefix) query.andWhere('round.id LIKE :idPrefix', { idPrefix: `${filter.idPrefix}%` });
    if (filter.after) {
      // A row-value comparison, not `a < x OR (a = x AND b < y)`: both databases turn it into the start of an
      // index range, where Postgres only filtered the OR form row by row from the newest Round (bench/README.md).
      query.andWhere(`(${keyset.createdAt}, ${keyset.id}) < (:createdAt, :id)`, filter.after);
    }
    // `limit`, not `take`: the label join matches at most one row per Round, so no de-duplicating subquery is needed.
    return query
      .orderBy(keyset.createdAt, 'DESC')
      .addOrderBy(keyset.id, 'DESC')
      .limit(filter.limit + 1)
      .getMany();
  }

  /** The stored document of a work-order (a retry sends it again). */
  async findWorkOrder(tx: EntityManager, workorderId: string): Promise<StoredWorkOrder | undefined> {
    const row = await tx.findOneBy(WorkOrderEntity, { id: workorderId });
    return row ? (JSON.parse(row.document) as StoredWorkOrder) : undefined;
  }

  insertReport(tx: EntityManager, report: ReportEntity): Promise<void> {
    return insertRows(tx, ReportEntity, [report]);
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

  /** What a retry of `attempt` continues: the sessions its Report names and its transcripts, or none. */
  async resumeFrom(tx: EntityManager, roundId: string, attempt: number): Promise<ResumeFrom | undefined> {
    const report = await tx.findOne(ReportEntity, { select: { document: true }, where: { roundId, attempt } });
    if (!report) return undefined;
    const document = JSON.parse(report.document) as Report;
    const sessions = (document.sessions ?? []).map(({ agent, session_id }) => ({ agent, session_id }));
    if (sessions.length === 0) return undefined;
    return {
      attempt,
      sessions,
      transcripts: document.artifacts.map((artifact) => artifact.name).filter((name) => name.startsWith('sessions/')),
    };
  }

  /** The agents' sessions of every attempt's Report, oldest attempt first. */
  async sessions(roundId: string): Promise<AgentSession[]> {
    const reports = await this.dataSource.manager.find(ReportEntity, {
      select: { document: true, attempt: true },
      where: { roundId },
      order: { attempt: 'ASC' },
    });
    return reports.flatMap((report) => (JSON.parse(report.document) as Report).sessions ?? []);
  }
}
