import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DataSource, type EntityMetadata, type QueryRunner } from 'typeorm';
import { entities, dataSourceOptions, migrate } from './data-source';

/** What `npm run db:migrate-to-postgres -- …` was asked to do. */
export interface MoveOptions {
  /** The SQLite file of an orchestrator (`$SC_DATA_DIR/sc.sqlite`). */
  from: string;
  /** The Postgres database to fill (`postgres://user:password@host:port/database`). */
  to: string;
  /** Replace the rows a non-empty target already holds. */
  isForced: boolean;
}

/** Rows copied per table, in the order the tables were copied. */
export type MoveResult = { table: string; rows: number }[];

/** Bad arguments: the message is the one line printed, and the exit code is 2. */
export class MoveUsageError extends Error {}

/** Rows read and inserted at a time: 500 rows of the widest table stay far below Postgres' 65 535 parameters. */
const batchSize = 500;

const usage =
  'usage: npm run db:migrate-to-postgres -- --from data/sc.sqlite --to postgres://user:password@host:5432/database [--force]';

/** Reads the command line; throws {@link MoveUsageError} on anything missing or malformed. */
export function parseMoveArgs(args: string[]): MoveOptions {
  let values: { from?: string; to?: string; force?: boolean };
  try {
    ({ values } = parseArgs({
      args,
      options: { from: { type: 'string' }, to: { type: 'string' }, force: { type: 'boolean', default: false } },
      strict: true,
    }));
  } catch (error) {
    throw new MoveUsageError(`${(error as Error).message}; ${usage}`);
  }
  if (!values.from || !values.to) throw new MoveUsageError(usage);
  const from = resolve(values.from);
  if (!existsSync(from)) throw new MoveUsageError(`--from: no SQLite file at ${from}`);
  if (!/^postgres(ql)?:\/\/[^/]+\/[^/?]+/.test(values.to)) {
    throw new MoveUsageError(
      `--to: expected postgres://user:password@host:port/database, got ${JSON.stringify(values.to)}`,
    );
  }
  return { from, to: values.to, isForced: values.force === true };
}

/**
 * Copies an orchestrator's SQLite database into Postgres: runs the migrations on the target, then copies every
 * table in batches inside ONE target transaction that also checks the row counts before it commits, so a
 * failure leaves the target as it was. The source is opened read-only and read in one transaction, so it is
 * never changed and the copy is a consistent snapshot (stop the orchestrator first all the same: rows written
 * after the snapshot stay behind). A target that already holds rows is refused unless `isForced`.
 */
export async function moveSqliteToPostgres(options: MoveOptions): Promise<MoveResult> {
  const source = new DataSource({ type: 'better-sqlite3', database: options.from, readonly: true, entities });
  const target = new DataSource(dataSourceOptions({ type: 'postgres', url: options.to }));
  try {
    await source.initialize();
    await target.initialize();
    await requireMigrated(source, target);
    await migrate(target);
    return await withTransactions(source.createQueryRunner(), target.createQueryRunner(), async (reader, writer) => {
      const tables = target.entityMetadatas;
      await clearTarget(writer, tables, options.isForced);
      const result: MoveResult = [];
      for (const table of tables) result.push({ table: table.tableName, rows: await copyTable(reader, writer, table) });
      for (const table of tables) await resetSequences(writer, table);
      await verifyCounts(writer, result);
      return result;
    });
  } finally {
    await Promise.all(
      [source, target].filter((dataSource) => dataSource.isInitialized).map((dataSource) => dataSource.destroy()),
    );
  }
}

/** Runs `work` with a read transaction on the source and a write transaction on the target; commits the target only if `work` succeeds. */
async function withTransactions<T>(
  reader: QueryRunner,
  writer: QueryRunner,
  work: (reader: QueryRunner, writer: QueryRunner) => Promise<T>,
): Promise<T> {
  try {
    await reader.startTransaction();
    await writer.startTransaction();
    const result = await work(reader, writer);
    await writer.commitTransaction();
    return result;
  } finally {
    if (writer.isTransactionActive) await writer.rollbackTransaction();
    if (reader.isTransactionActive) await reader.rollbackTransaction();
    await Promise.all([reader.release(), writer.release()]);
  }
}

/** The source must be at the schema this build knows: the copy maps columns by the current entities. */
async function requireMigrated(source: DataSource, target: DataSource): Promise<void> {
  const rows = await source.query<{ name: string }[]>('SELECT name FROM migrations').catch(() => {
    throw new Error(`${source.options.database as string} is not an orchestrator database (no migrations table)`);
  });
  const applied = new Set(rows.map((row) => row.name));
  const missing = target.migrations
    .map((migration) => migration.name ?? migration.constructor.name)
    .filter((name) => !applied.has(name));
  if (missing.length > 0)
    throw new Error(`source lacks migrations ${missing.join(', ')}: start the orchestrator on it once, then move it`);
}

/** Refuses a target with rows unless forced; forced, empties it (inside the copy's transaction). */
async function clearTarget(writer: QueryRunner, tables: EntityMetadata[], isForced: boolean): Promise<void> {
  for (const table of tables) {
    const rows = await countRows(writer, table.tableName);
    if (rows === 0) continue;
    if (!isForced)
      throw new Error(`target is not empty (${rows} rows in ${table.tableName}); pass --force to replace its rows`);
    await writer.query(`DELETE FROM ${quote(table.tableName)}`);
  }
}

/**
 * Copies one table in primary-key order, `batchSize` rows at a time; returns how many rows it copied. The next
 * batch starts after the last row's whole key (a row value), so a composite key split by a batch loses no row.
 */
async function copyTable(reader: QueryRunner, writer: QueryRunner, table: EntityMetadata): Promise<number> {
  const columns = table.columns.map((column) => column.databaseName);
  const key = table.primaryColumns.map((column) => column.databaseName);
  const keyList = key.map(quote).join(', ');
  const select = `SELECT ${columns.map(quote).join(', ')} FROM ${quote(table.tableName)}`;
  const after = `WHERE (${keyList}) > (${key.map(() => '?').join(', ')})`;
  let copied = 0;
  let last: unknown[] | undefined;
  for (;;) {
    const rows = (
      last === undefined
        ? await reader.query(`${select} ORDER BY ${keyList} LIMIT ?`, [batchSize])
        : await reader.query(`${select} ${after} ORDER BY ${keyList} LIMIT ?`, [...last, batchSize])
    ) as Record<string, unknown>[];
    if (rows.length === 0) return copied;
    await insertRows(writer, table.tableName, columns, rows);
    copied += rows.length;
    const lastRow = rows[rows.length - 1];
    last = key.map((column) => lastRow[column]);
  }
}

async function insertRows(
  writer: QueryRunner,
  table: string,
  columns: string[],
  rows: Record<string, unknown>[],
): Promise<void> {
  const parameters: unknown[] = [];
  const tuples = rows.map(
    (row) => `(${columns.map((column) => `$${parameters.push(row[column] ?? null)}`).join(', ')})`,
  );
  await writer.query(
    `INSERT INTO ${quote(table)} (${columns.map(quote).join(', ')}) VALUES ${tuples.join(', ')}`,
    parameters,
  );
}

/** Rows were inserted with their ids: move each serial column's sequence past the largest, or the next insert collides. */
async function resetSequences(writer: QueryRunner, table: EntityMetadata): Promise<void> {
  for (const column of table.columns.filter(
    (candidate) => candidate.isGenerated && candidate.generationStrategy === 'increment',
  )) {
    const name = quote(column.databaseName);
    await writer.query(
      `SELECT setval(pg_get_serial_sequence($1, $2), COALESCE((SELECT MAX(${name}) FROM ${quote(table.tableName)}), 0) + 1, false)`,
      [quote(table.tableName), column.databaseName],
    );
  }
}

/** Every table of the target now holds exactly the rows copied into it; otherwise the transaction rolls back. */
async function verifyCounts(writer: QueryRunner, result: MoveResult): Promise<void> {
  for (const { table, rows } of result) {
    const found = await countRows(writer, table);
    if (found !== rows) throw new Error(`row count check failed for ${table}: copied ${rows}, target holds ${found}`);
  }
}

async function countRows(runner: QueryRunner, table: string): Promise<number> {
  const [row] = (await runner.query(`SELECT COUNT(*) AS count FROM ${quote(table)}`)) as { count: string | number }[];
  return Number(row.count);
}

function quote(identifier: string): string {
  return `"${identifier.replace(/"/g, '""')}"`;
}

/** The command: one line per table on stdout; on error one line on stderr, exit 2 (usage) or 1 (failure). */
async function main(): Promise<void> {
  try {
    const options = parseMoveArgs(process.argv.slice(2));
    const result = await moveSqliteToPostgres(options);
    for (const { table, rows } of result) process.stdout.write(`${table}: ${rows} rows\n`);
    process.stdout.write(`moved ${options.from} to Postgres; row counts verified\n`);
  } catch (error) {
    process.stderr.write(`db:migrate-to-postgres: ${(error as Error).message.split('\n')[0]}\n`);
    process.exitCode = error instanceof MoveUsageError ? 2 : 1;
  }
}

if (require.main === module) void main();
