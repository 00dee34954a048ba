// @ts-check
// "The Report is stored" as the bench sees it: a read of the `reports` table on a connection of its own.
// A count query costs the orchestrator nothing, where polling `GET /reports/:id` would load the very API
// being measured.
const Database = require('better-sqlite3');
const { watch } = require('node:fs');
const { Client } = require('pg');
const { until } = require('./stack');

// SQLite: a commit writes the write-ahead log, which wakes the waiter (inotify); this poll is only a safety
// net. A fast poll instead would wake the bench a thousand times a second, taking CPU from the stack it measures.
const sqliteSafetyPollMs = 5;
const postgresPollMs = 1;

/**
 * Reads the stack's `reports` table: `count()` of all rows, `has(roundId)` for one Round, `waitFor(roundId)`
 * until its Report is stored.
 */
async function openReportStore(stack) {
  if (stack.database === 'sqlite') {
    const db = new Database(stack.sqlitePath, { readonly: true, fileMustExist: true });
    const count = db.prepare('SELECT count(*) AS n FROM reports').pluck();
    const has = db.prepare('SELECT 1 FROM reports WHERE round_id = ?').pluck();
    /** @type {Set<() => void>} */
    const waiters = new Set();
    const wal = watch(`${stack.sqlitePath}-wal`, () => waiters.forEach((check) => check()));
    return {
      count: async () => /** @type {number} */ (count.get()),
      has: async (roundId) => has.get(roundId) === 1,
      waitFor: (roundId, timeoutMs) =>
        new Promise((resolve, reject) => {
          const done = (/** @type {Error | undefined} */ error) => {
            waiters.delete(check);
            clearInterval(poll);
            clearTimeout(deadline);
            if (error) reject(error);
            else resolve(undefined);
          };
          const check = () => has.get(roundId) === 1 && done(undefined);
          const poll = setInterval(check, sqliteSafetyPollMs);
          const deadline = setTimeout(
            () => done(new Error(`no report for round ${roundId} after ${timeoutMs} ms`)),
            timeoutMs,
          );
          waiters.add(check);
          check();
        }),
      close: async () => {
        wal.close();
        db.close();
      },
    };
  }
  const client = new Client({ connectionString: stack.databaseUrl });
  await client.connect();
  const has = async (roundId) =>
    (await client.query({ name: 'has-report', text: 'SELECT 1 FROM reports WHERE round_id = $1', values: [roundId] }))
      .rowCount === 1;
  return {
    count: async () => Number((await client.query('SELECT count(*) AS n FROM reports')).rows[0].n),
    has,
    waitFor: (roundId, timeoutMs) =>
      until(() => has(roundId), `the report of round ${roundId}`, timeoutMs, postgresPollMs),
    close: () => client.end(),
  };
}

module.exports = { openReportStore };
