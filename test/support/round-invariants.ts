import { isTerminal, TerminalRoundStates, type RoundState } from '@sc/schemas';
import { Client } from 'pg';
import { until } from './until';

/**
 * What must hold of the orchestrators' Postgres database after Rounds ran through faults (crashes, cut links,
 * a Redis failover), read from the tables themselves rather than through an API that might hide a repeat:
 * every Round of `roundIds` is terminal, reached a terminal state exactly once, has exactly one Report per
 * attempt it ran (`attempt` of them, none for a later or earlier one), and the outbox holds no unsent job.
 * Returns one line per violation; empty when all hold.
 */
export async function roundInvariantViolations(databaseUrl: string, roundIds: readonly string[]): Promise<string[]> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const terminal: string[] = [...TerminalRoundStates];
    const rounds = await client.query<{ id: string; state: string; attempt: number; ends: string; reports: string }>(
      `SELECT r.id, r.state, r.attempt,
              (SELECT count(*) FROM round_transitions t WHERE t.round_id = r.id AND t.to_state = ANY($2)) AS ends,
              (SELECT count(*) FROM reports p WHERE p.round_id = r.id AND p.attempt BETWEEN 1 AND r.attempt) AS reports
         FROM rounds r WHERE r.id = ANY($1)`,
      [roundIds, terminal],
    );
    const violations: string[] = [];
    const found = new Set(rounds.rows.map((row) => row.id));
    for (const id of roundIds) if (!found.has(id)) violations.push(`${id}: not stored`);
    for (const row of rounds.rows) {
      if (!terminal.includes(row.state)) violations.push(`${row.id}: still ${row.state}`);
      if (Number(row.ends) !== 1) violations.push(`${row.id}: reached a terminal state ${row.ends} times`);
      if (Number(row.reports) !== row.attempt)
        violations.push(`${row.id}: ${row.reports} Reports for ${row.attempt} attempt(s)`);
    }
    const strays = await client.query<{ count: string }>(
      'SELECT count(*) FROM reports WHERE round_id = ANY($1) AND attempt NOT BETWEEN 1 AND (SELECT attempt FROM rounds WHERE id = round_id)',
      [roundIds],
    );
    if (Number(strays.rows[0].count) > 0) violations.push(`${strays.rows[0].count} Reports of attempts never made`);
    const unsent = await client.query<{ job_id: string }>('SELECT job_id FROM outbox WHERE sent_at IS NULL');
    for (const row of unsent.rows) violations.push(`outbox: job ${row.job_id} never sent`);
    return violations;
  } finally {
    await client.end();
  }
}

/**
 * The Rounds' states once every one is terminal, or as they are after `timeoutMs`: a Round that did not end then
 * shows in the caller's assertion on the states, which says more than a timeout would.
 */
export async function statesOnceEnded(read: () => Promise<RoundState[]>, timeoutMs: number): Promise<RoundState[]> {
  await until(async () => (await read()).every(isTerminal), {
    timeoutMs,
    intervalMs: 500,
    what: 'every Round ended',
  }).catch(() => undefined);
  return read();
}
