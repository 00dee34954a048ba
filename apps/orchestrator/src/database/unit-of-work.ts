import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager, type QueryRunner } from 'typeorm';

type Work<T> = (tx: EntityManager) => Promise<T>;

interface Queued {
  work: Work<unknown>;
  resolve: (value: unknown) => void;
  reject: (reason: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

// Enough to amortise a commit under load, small enough that one group holds the write lock only briefly.
const maxGroupSize = 64;

/**
 * Runs database transactions. Repositories' writing methods take the `tx` a service got from {@link run},
 * so the transaction boundary is visible in the service.
 */
@Injectable()
export class UnitOfWork {
  private readonly sqliteQueue: Queued[] = [];
  private isDraining = false;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Runs `work` in one transaction and resolves with its result once committed; a throw rolls its changes
   * back and rejects.
   *
   * TypeORM's better-sqlite3 driver has a single connection, so on SQLite transactions run one after the
   * other, and the ones asked for in the same turn of the event loop, or while a group commits, commit together
   * (group commit): each in a savepoint of one transaction, so a throw still undoes only its own changes, while
   * the WAL is written once per group rather than once per unit. Waiting for the turn's end (setImmediate)
   * lets the requests and messages that arrived together join: groups of ~20 units instead of ~2 under load
   * (bench/README.md). A failed commit fails every unit of its group.
   */
  run<T>(work: Work<T>): Promise<T> {
    if (this.dataSource.options.type !== 'better-sqlite3') return this.dataSource.transaction(work);
    return new Promise<T>((resolve, reject) => {
      this.sqliteQueue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (this.isDraining) return;
      this.isDraining = true;
      setImmediate(() => void this.drain());
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.sqliteQueue.length > 0) await this.commitGroup(this.sqliteQueue.splice(0, maxGroupSize));
    } finally {
      this.isDraining = false;
    }
  }

  /** Commits `group` in one transaction and settles each unit with its own outcome. */
  private async commitGroup(group: Queued[]): Promise<void> {
    const runner = this.dataSource.createQueryRunner();
    let outcomes: Outcome[];
    try {
      await runner.startTransaction();
      outcomes =
        group.length === 1 ? [await attempt(group[0].work, runner)] : await this.runEachInSavepoint(group, runner);
      // A lone unit that threw rolls back the whole (one-unit) transaction.
      if (group.length === 1 && !outcomes[0].ok) await runner.rollbackTransaction();
      else await runner.commitTransaction();
    } catch (error) {
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      outcomes = group.map(() => ({ ok: false, error }));
    } finally {
      await runner.release();
    }
    group.forEach((unit, i) => (outcomes[i].ok ? unit.resolve(outcomes[i].value) : unit.reject(outcomes[i].error)));
  }

  private async runEachInSavepoint(group: Queued[], runner: QueryRunner): Promise<Outcome[]> {
    const outcomes: Outcome[] = [];
    for (const unit of group) {
      await runner.startTransaction();
      const outcome = await attempt(unit.work, runner);
      if (outcome.ok) await runner.commitTransaction();
      else await runner.rollbackTransaction();
      outcomes.push(outcome);
    }
    return outcomes;
  }
}

async function attempt(work: Work<unknown>, runner: QueryRunner): Promise<Outcome> {
  try {
    return { ok: true, value: await work(runner.manager) };
  } catch (error) {
    return { ok: false, error };
  }
}
