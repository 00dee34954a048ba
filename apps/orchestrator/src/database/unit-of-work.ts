import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';

/**
 * Runs database transactions. Repositories' writing methods take the `tx` a service got from {@link run},
 * so the transaction boundary is visible in the service.
 */
@Injectable()
export class UnitOfWork {
  private sqliteQueue: Promise<unknown> = Promise.resolve();

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Runs `work` in one transaction and returns its result; a throw rolls everything back.
   *
   * TypeORM's better-sqlite3 driver has a single connection: two overlapping transactions would nest as
   * savepoints of each other, so on SQLite they run one after the other.
   */
  run<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> {
    if (this.dataSource.options.type !== 'better-sqlite3') return this.dataSource.transaction(work);
    const result = this.sqliteQueue.then(() => this.dataSource.transaction(work));
    this.sqliteQueue = result.catch(() => undefined);
    return result;
  }
}
