/* eslint-disable @typescript-eslint/no-explicit-any -- answers are checked by the assertions, not by types */
import { spawnSync } from 'node:child_process';
import { Client } from 'pg';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  createStackEnv,
  repoRoot,
  startOrchestrator,
  startWorker,
  type OrchestratorProcess,
  type StackEnv,
} from '../../../test/support/local-stack';
import { createTestDatabase, pgTestUrl, type TestDatabase } from '../../../test/support/postgres';
import { until } from '../../../test/support/until';
import { echoOrder } from './support/orchestrator-stack';

const command = join(repoRoot, 'dist', 'apps', 'orchestrator', 'src', 'database', 'migrate-to-postgres.js');

/** Runs the built `npm run db:migrate-to-postgres` entry with `args`. */
function move(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [command, ...args], { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The tables of a Postgres database but TypeORM's own `migrations`: what the copy must have filled. */
async function appTables(url: string): Promise<string[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string }>(
      "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'migrations'",
    );
    return rows.map((row) => row.name).sort();
  } finally {
    await client.end();
  }
}

async function call(
  orchestrator: OrchestratorProcess,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: any }> {
  const response = await fetch(`${orchestrator.url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

describe('npm run db:migrate-to-postgres', () => {
  it('refuses bad arguments with one line and exit code 2', () => {
    expect(move([])).toMatchObject({
      status: 2,
      stderr: expect.stringMatching(/^db:migrate-to-postgres: usage: npm run db:migrate-to-postgres -- --from .*\n$/),
    });
    expect(move(['--from', '/nonexistent/sc.sqlite', '--to', 'postgres://h/db'])).toMatchObject({
      status: 2,
      stderr: 'db:migrate-to-postgres: --from: no SQLite file at /nonexistent/sc.sqlite\n',
    });
    expect(move(['--from', command, '--to', 'mysql://h/db'])).toMatchObject({
      status: 2,
      stderr:
        'db:migrate-to-postgres: --to: expected postgres://user:password@host:port/database, got "mysql://h/db"\n',
    });
    expect(move(['--from', command, '--to', 'postgres://h/db', '--bogus'])).toMatchObject({
      status: 2,
      stderr: expect.stringMatching(/^db:migrate-to-postgres: Unknown option '--bogus'.*\n$/),
    });
  });

  (pgTestUrl ? describe : describe.skip)(
    `moves a used SQLite database${pgTestUrl ? '' : ' [SKIPPED: PG_TEST_URL is not set]'}`,
    () => {
      let stack: StackEnv;
      let target: TestDatabase;
      let sqliteFile: string;
      const before = { rounds: [] as any[], reports: [] as any[], page: undefined as any, labelPage: undefined as any };

      beforeAll(async () => {
        stack = createStackEnv({}, { usePostgres: false });
        mkdirSync(stack.dataDir, { recursive: true });
        sqliteFile = join(stack.dataDir, 'sc.sqlite');
        target = await createTestDatabase();
        const orchestrator = await startOrchestrator(stack);
        const worker = await startWorker(stack);
        try {
          const ids: string[] = [];
          for (let i = 0; i < 3; i++)
            ids.push(
              (
                await call(
                  orchestrator,
                  'POST',
                  '/workorders',
                  echoOrder({ title: `Move ${i}`, labels: ['moved', `move-${i}`] }),
                )
              ).body.round_id,
            );
          for (const id of ids)
            await until(async () => (await call(orchestrator, 'GET', `/reports/${id}`)).status === 200, {
              what: `report of ${id}`,
            });
          // A second attempt (two reports of one Round) and a recorded commit, so every table has rows.
          await call(orchestrator, 'POST', `/rounds/${ids[0]}/retry`);
          await until(async () => (await call(orchestrator, 'GET', `/rounds/${ids[0]}`)).body.state === 'succeeded', {
            what: 'retried round succeeded',
          });
          expect(
            (
              await call(orchestrator, 'POST', `/rounds/${ids[1]}/commits`, {
                sha: 'a'.repeat(40),
                branch: 'feat/move',
                message: 'moved',
              })
            ).status,
          ).toBe(200);
          for (const id of ids) {
            before.rounds.push((await call(orchestrator, 'GET', `/rounds/${id}`)).body);
            before.reports.push((await call(orchestrator, 'GET', `/reports/${id}`)).body);
          }
          before.page = (await call(orchestrator, 'GET', '/rounds?limit=2')).body;
          before.labelPage = (await call(orchestrator, 'GET', '/rounds?label=moved&limit=2')).body;
        } finally {
          await worker.stop();
          await orchestrator.stop();
        }
      });
      afterAll(async () => {
        await target?.drop();
        stack?.cleanup();
      });

      it('copies every table, verifies the counts, and refuses to copy over rows without --force', async () => {
        const first = move(['--from', sqliteFile, '--to', target.url]);
        expect(first).toMatchObject({ status: 0, stderr: '' });
        const counts = Object.fromEntries(
          [...first.stdout.matchAll(/^(\w+): (\d+) rows$/gm)].map(([, table, rows]) => [table, Number(rows)]),
        );
        expect(Object.keys(counts).sort()).toEqual(await appTables(target.url));
        expect(counts).toMatchObject({
          workorders: 3,
          rounds: 3,
          reports: 4,
          round_commits: 1,
          round_labels: 6,
          outbox: 4,
        });
        expect(first.stdout).toContain('row counts verified');

        expect(move(['--from', sqliteFile, '--to', target.url])).toEqual({
          status: 1,
          stdout: '',
          stderr: expect.stringMatching(
            /^db:migrate-to-postgres: target is not empty \(\d+ rows in \w+\); pass --force to replace its rows\n$/,
          ),
        });
        expect(move(['--from', sqliteFile, '--to', target.url, '--force'])).toMatchObject({
          status: 0,
          stdout: first.stdout,
        });
      });

      it('serves the same Rounds and Reports from Postgres, and takes new work-orders there', async () => {
        const pgStack = createStackEnv({ DATABASE_URL: target.url });
        const orchestrator = await startOrchestrator(pgStack);
        try {
          for (const [i, round] of before.rounds.entries()) {
            expect(await call(orchestrator, 'GET', `/rounds/${round.id}`)).toEqual({ status: 200, body: round });
            expect(await call(orchestrator, 'GET', `/reports/${round.id}`)).toEqual({
              status: 200,
              body: before.reports[i],
            });
          }
          expect((await call(orchestrator, 'GET', '/rounds?limit=2')).body).toEqual(before.page);
          expect(before.labelPage.items).toHaveLength(2);
          expect((await call(orchestrator, 'GET', '/rounds?label=moved&limit=2')).body).toEqual(before.labelPage);
          // New rows get ids past the copied ones (the serial sequences were moved on): submit and cancel write transitions and outbox rows.
          const submitted = await call(orchestrator, 'POST', '/workorders', echoOrder({ title: 'After the move' }));
          expect(submitted.status).toBe(200);
          expect((await call(orchestrator, 'POST', `/rounds/${submitted.body.round_id}/cancel`)).body.state).toBe(
            'cancelled',
          );
        } finally {
          await orchestrator.stop();
          pgStack.cleanup();
        }
      });
    },
  );
});
