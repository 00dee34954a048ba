import type { DataSource, EntityManager, EntityMetadata, EntityTarget, ObjectLiteral, QueryRunner } from 'typeorm';

/**
 * Reads, inserts and compare-and-set updates for the statements every Round runs through (submit, start, finish).
 * The SQL is built once per entity and column set from TypeORM's metadata and run with parameters; TypeORM's
 * query builder rebuilt and re-escaped each statement on every call, a fifth of the orchestrator's CPU per
 * Round (bench/README.md). For columns stored as they are (strings, numbers, null): no value is converted.
 */

const statements = new Map<string, string>();

// Column types both drivers hand back as they were written (strings, numbers, null). Others are not: a Postgres
// `bigint` comes back as a string, `boolean` is 0/1 on SQLite, dates and JSON go through TypeORM's conversions.
const plainColumnTypes = new Set(['varchar', 'text', 'integer']);

/**
 * Refuses, at start, an entity column of `targets` (the entities the repositories reach through this module) that
 * this module would read or write differently from TypeORM: a type outside {@link plainColumnTypes} or a value
 * transformer. Statements here pass values as they are, so such a column would silently differ between the two
 * ways to the database. Each statement checks its entity again when it is first built, so an entity missing from
 * `targets` fails on first use instead of reading wrong values.
 */
export function assertPlainColumns(dataSource: DataSource, targets: readonly EntityTarget<ObjectLiteral>[]): void {
  const problems = targets.flatMap((target) => columnProblems(dataSource.getMetadata(target)));
  if (problems.length > 0) {
    throw new Error(
      `entity columns the direct SQL (database/direct-sql.ts) would read differently: ${problems.join('; ')}; use ${[...plainColumnTypes].join(', ')} without a transformer`,
    );
  }
}

function columnProblems(entity: EntityMetadata): string[] {
  return entity.columns.flatMap((column) => {
    const type = typeof column.type === 'string' ? column.type : column.type.name.toLowerCase();
    if (column.transformer) return [`${entity.name}.${column.propertyName} has a transformer`];
    return plainColumnTypes.has(type) ? [] : [`${entity.name}.${column.propertyName} is ${type}`];
  });
}

/** Inserts `rows` (one statement); properties left `undefined` take the column's default. */
export async function insertRows<T extends ObjectLiteral>(
  tx: EntityManager,
  target: EntityTarget<T>,
  rows: readonly Partial<T>[],
): Promise<void> {
  if (rows.length === 0) return;
  const properties = Object.keys(rows[0]).filter((property) => rows[0][property] !== undefined);
  const metadata = tx.connection.getMetadata(target);
  const sql = statement(tx, `insert ${metadata.name} ${rows.length} ${properties.join()}`, (placeholder) => {
    const values = rows.map(
      (_, row) => `(${properties.map((_, column) => placeholder(row * properties.length + column + 1)).join(', ')})`,
    );
    return `INSERT INTO ${tx.connection.driver.escape(metadata.tableName)} (${columnNames(tx, target, properties).join(', ')}) VALUES ${values.join(', ')}`;
  });
  await runnerOf(tx).query(
    sql,
    rows.flatMap((row) => properties.map((property) => row[property] as unknown)),
  );
}

/**
 * `UPDATE … SET set WHERE where` (every `where` value compared with `=`, so none may be null); properties of
 * `set` left `undefined` are not written. Resolves with the number of rows changed.
 */
export async function updateRows<T extends ObjectLiteral>(
  tx: EntityManager,
  target: EntityTarget<T>,
  where: Partial<T>,
  set: Partial<T>,
): Promise<number> {
  const setProperties = Object.keys(set).filter((property) => set[property] !== undefined);
  const whereProperties = Object.keys(where);
  for (const property of whereProperties) {
    if (where[property] === null || where[property] === undefined)
      throw new TypeError(`updateRows: where.${property} must have a value`);
  }
  const metadata = tx.connection.getMetadata(target);
  const sql = statement(
    tx,
    `update ${metadata.name} ${setProperties.join()} where ${whereProperties.join()}`,
    (placeholder) => {
      const assignments = columnNames(tx, target, setProperties).map(
        (column, i) => `${column} = ${placeholder(i + 1)}`,
      );
      const conditions = columnNames(tx, target, whereProperties).map(
        (column, i) => `${column} = ${placeholder(setProperties.length + i + 1)}`,
      );
      return `UPDATE ${tx.connection.driver.escape(metadata.tableName)} SET ${assignments.join(', ')} WHERE ${conditions.join(' AND ')}`;
    },
  );
  const result = await runnerOf(tx).query(
    sql,
    [...setProperties.map((p) => set[p] as unknown), ...whereProperties.map((p) => where[p] as unknown)],
    true,
  );
  return (result as { affected?: number }).affected ?? 0;
}

/** The row whose columns equal `where` (the first, when several do), read in the transaction `tx`; null when none. */
export async function findOneRow<T extends ObjectLiteral>(
  tx: EntityManager,
  target: EntityTarget<T>,
  where: Partial<T>,
): Promise<T | null> {
  const whereProperties = Object.keys(where);
  const metadata = tx.connection.getMetadata(target);
  const sql = statement(tx, `select ${metadata.name} where ${whereProperties.join()}`, (placeholder) => {
    const conditions = columnNames(tx, target, whereProperties).map((column, i) => `${column} = ${placeholder(i + 1)}`);
    return `SELECT * FROM ${tx.connection.driver.escape(metadata.tableName)} WHERE ${conditions.join(' AND ')} LIMIT 1`;
  });
  const rows = (await runnerOf(tx).query(
    sql,
    whereProperties.map((property) => where[property] as unknown),
  )) as Record<string, unknown>[];
  if (rows.length === 0) return null;
  const entity: Record<string, unknown> = {};
  for (const column of metadata.columns) entity[column.propertyName] = rows[0][column.databaseName];
  return entity as T;
}

/** The SQL for `key`, built once per database type: `$1…$n` placeholders on Postgres, `?` on SQLite. */
function statement(tx: EntityManager, key: string, build: (placeholder: (n: number) => string) => string): string {
  const isPostgres = tx.connection.options.type === 'postgres';
  const cacheKey = `${isPostgres ? 'pg' : 'sqlite'} ${key}`;
  let sql = statements.get(cacheKey);
  if (sql === undefined) {
    sql = build(isPostgres ? (n) => `$${n}` : () => '?');
    statements.set(cacheKey, sql);
  }
  return sql;
}

/** The escaped column names of `properties`; called only while a statement is built, once per entity and shape. */
function columnNames<T extends ObjectLiteral>(
  tx: EntityManager,
  target: EntityTarget<T>,
  properties: string[],
): string[] {
  const metadata = tx.connection.getMetadata(target);
  assertPlainColumns(tx.connection, [target]);
  return properties.map((property) => {
    const column = metadata.findColumnWithPropertyName(property);
    if (!column) throw new TypeError(`${metadata.name} has no column for property ${property}`);
    return tx.connection.driver.escape(column.databaseName);
  });
}

/** The transaction's runner: these statements only run inside `UnitOfWork.run`. */
function runnerOf(tx: EntityManager): QueryRunner {
  if (!tx.queryRunner) throw new TypeError('direct SQL runs inside a transaction (UnitOfWork.run)');
  return tx.queryRunner;
}
