import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { migrations } from '../../../../migrations';
import { loadOrchestratorConfig, type DatabaseConfig } from '../config/orchestrator.config';
import { GitHubDeliveryEntity } from '../github/github-delivery.entity';
import { GitHubRoundLinkEntity } from '../github/github-round-link.entity';
import { OutboxEntity } from '../queue/outbox.entity';
import { ReportEntity } from '../reports/report.entity';
import { RoundCommitEntity } from '../rounds/round-commit.entity';
import { RoundEventEntity } from '../rounds/round-event.entity';
import { RoundLabelEntity } from '../rounds/round-label.entity';
import { RoundTransitionEntity } from '../rounds/round-transition.entity';
import { RoundEntity } from '../rounds/round.entity';
import { WorkOrderEntity } from '../workorders/workorder.entity';

/** Every entity, listed rather than globbed so the compiled app and the TypeORM CLI see the same set. */
export const entities = [
  WorkOrderEntity,
  RoundEntity,
  RoundTransitionEntity,
  RoundEventEntity,
  RoundCommitEntity,
  RoundLabelEntity,
  ReportEntity,
  OutboxEntity,
  GitHubDeliveryEntity,
  GitHubRoundLinkEntity,
];

/** The entities the repositories write and read through direct SQL (database/direct-sql.ts), checked at start. */
export const directSqlEntities = [
  WorkOrderEntity,
  RoundEntity,
  RoundTransitionEntity,
  RoundLabelEntity,
  ReportEntity,
  OutboxEntity,
];

// How long a SQLite writer waits for another connection's lock (a TypeORM CLI run, a backup) before failing.
const sqliteBusyTimeoutMs = 5_000;

/**
 * WAL with `synchronous = NORMAL`: a commit appends to the WAL without an fsync (checkpoints still sync).
 * better-sqlite3 is synchronous, so the default FULL stalled the whole event loop on one fsync per commit,
 * four commits per Round (bench/README.md). SQLite's documented trade-off: a crash of the process loses
 * nothing, a power cut or OS crash may lose the commits since the last checkpoint's sync.
 */
function prepareSqlite(db: { pragma: (source: string) => unknown }): void {
  db.pragma('synchronous = NORMAL');
}

/**
 * The TypeORM options for a database. The schema only ever comes from `migrations/`: `synchronize` is off,
 * and the app runs the migrations itself at start (`migrationsRun` off) so it can log and fail clearly.
 */
export function dataSourceOptions(database: DatabaseConfig): DataSourceOptions {
  const common = { entities, migrations, synchronize: false, migrationsRun: false } as const;
  if (database.type === 'postgres') return { ...common, type: 'postgres', url: database.url };
  return {
    ...common,
    type: 'better-sqlite3',
    database: database.path,
    enableWAL: true,
    timeout: sqliteBusyTimeoutMs,
    prepareDatabase: prepareSqlite,
  };
}

/** Creates the SQLite file's folder (better-sqlite3 creates the file, not its folder). */
export function ensureDatabaseDir(database: DatabaseConfig): void {
  if (database.type === 'sqlite') mkdirSync(dirname(database.path), { recursive: true });
}

/** A DataSource for `database`, not yet initialized. */
export function createDataSource(database: DatabaseConfig): DataSource {
  ensureDatabaseDir(database);
  return new DataSource(dataSourceOptions(database));
}

/**
 * For the TypeORM CLI: `npx typeorm migration:show -d dist/apps/orchestrator/src/database/data-source.js`.
 * The CLI awaits every export of this module; this thenable reads the environment only then, so importing
 * the module (as the app does) has no side effect.
 */
export const cliDataSource: PromiseLike<DataSource> = {
  then: (onFulfilled, onRejected) =>
    Promise.resolve()
      .then(() => createDataSource(loadOrchestratorConfig().database))
      .then(onFulfilled, onRejected),
};

/**
 * Runs the pending migrations, each in a transaction; resolves with the names of those it ran. On Postgres it
 * holds an advisory lock meanwhile: orchestrator replicas starting together (compose, a rolling deploy) would
 * otherwise create the same tables at once, and all but one fail. The others wait, then find nothing to do.
 */
export async function migrate(dataSource: DataSource): Promise<string[]> {
  const run = async () => (await dataSource.runMigrations({ transaction: 'each' })).map((migration) => migration.name);
  if (dataSource.options.type !== 'postgres') return run();
  // A session lock, held on a connection of its own while runMigrations works on others of the pool.
  const lockHolder = dataSource.createQueryRunner();
  try {
    await lockHolder.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [migrationsLock]);
    return await run();
  } finally {
    // Releasing the connection would keep the lock (it stays in the pool): unlock first.
    await lockHolder
      .query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [migrationsLock])
      .catch(() => undefined);
    await lockHolder.release();
  }
}

const migrationsLock = 'sc:migrations';
