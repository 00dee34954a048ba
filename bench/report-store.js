// @ts-check
// "The Report is stored" as the bench sees it: a read of the `reports` table on a connection of its own.
// A count query costs the orchestrator nothing, where polling `GET /reports/:id` would load the very API
// being measured.
const Database = require('better-sqlite3');
const { Client } = require('pg');

/** Reads the stack's `reports` table: `count()` of all rows, `has(roundId)` for one Round. */
async function openReportStore(stack) {
  if (stack.database === 'sqlite') {
    const db = new Database(stack.sqlitePath, { readonly: true, fileMustExist: true });
    const count = db.prepare('SELECT count(*) AS n FROM reports').pluck();
    const has = db.prepare('SELECT 1 FROM reports WHERE round_id = ?').pluck();
    return {
      count: async () => /** @type {number} */ (count.get()),
      has: async (roundId) => has.get(roundId) === 1,
      close: async () => db.close(),
    };
  }
  const client = new Client({ connectionString: stack.databaseUrl });
  await client.connect();
  return {
    count: async () => Number((await client.query('SELECT count(*) AS n FROM reports')).rows[0].n),
    has: async (roundId) => (await client.query({ name: 'has-report', text: 'SELECT 1 FROM reports WHERE round_id = $1', values: [roundId] })).rowCount === 1,
    close: () => client.end(),
  };
}

module.exports = { openReportStore };
