import Database from 'better-sqlite3';
import { join } from 'node:path';
import { Client } from 'pg';
import type { StackEnv } from '../../../../test/support/local-stack';

/** The orchestrator's tables, in the order the migrations create them. */
export const tables = ['workorders', 'rounds', 'round_transitions', 'reports', 'outbox', 'round_commits'] as const;

/** Rows per table of the orchestrator's database. */
export type RowCounts = Record<(typeof tables)[number], number>;

/**
 * Reads one test file's database from the side, without going through the API under test: the SQLite file
 * opened read-only (WAL lets it read while the orchestrator writes), or the Postgres database of `DATABASE_URL`.
 */
export class DatabaseRows {
  private constructor(
    private readonly query: (sql: string, params: unknown[]) => Promise<Record<string, unknown>[]>,
    readonly close: () => Promise<void>,
  ) {}

  static async open(stack: StackEnv): Promise<DatabaseRows> {
    const url = stack.env.DATABASE_URL;
    if (url) {
      const client = new Client({ connectionString: url });
      await client.connect();
      return new DatabaseRows(
        async (sql, params) => (await client.query(toPostgresParams(sql), params)).rows as Record<string, unknown>[],
        () => client.end(),
      );
    }
    const db = new Database(join(stack.dataDir, 'sc.sqlite'), { readonly: true, fileMustExist: true });
    return new DatabaseRows(
      async (sql, params) => db.prepare(sql).all(...params) as Record<string, unknown>[],
      async () => void db.close(),
    );
  }

  /** How many rows each table holds. */
  async counts(): Promise<RowCounts> {
    // One after the other: a pg client runs one query at a time.
    const counts: Partial<RowCounts> = {};
    for (const table of tables)
      counts[table] = Number((await this.query(`SELECT COUNT(*) AS n FROM ${table}`, []))[0].n);
    return counts as RowCounts;
  }

  /** Every table's row count and every Round's state: what a refused request must leave as it was. */
  async snapshot(): Promise<{ counts: RowCounts; rounds: Record<string, unknown>[] }> {
    const rounds = await this.query('SELECT id, state, attempt, updated_at FROM rounds ORDER BY id', []);
    return { counts: await this.counts(), rounds };
  }

  /** Rows of `table` where `column` equals `value`. */
  rowsWhere(table: (typeof tables)[number], column: string, value: unknown): Promise<Record<string, unknown>[]> {
    return this.query(`SELECT * FROM ${table} WHERE ${column} = ?`, [value]);
  }
}

/** `?` placeholders → Postgres' `$1, $2, …`. */
function toPostgresParams(sql: string): string {
  let index = 0;
  return sql.replace(/\?/g, () => `$${++index}`);
}
