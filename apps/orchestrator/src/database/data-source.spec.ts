import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { createTestDatabase, pgTestUrl, type TestDatabase } from '../../../../test/support/postgres';
import type { DatabaseConfig } from '../config/orchestrator.config';
import { createDataSource, migrate } from './data-source';

const tables = [
  'github_deliveries',
  'github_round_links',
  'outbox',
  'reports',
  'round_commits',
  'round_events',
  'round_labels',
  'round_transitions',
  'rounds',
  'workorders',
];

/** Runs every migration up, then every one down, on a fresh database. */
async function migrateUpAndDown(database: DatabaseConfig): Promise<void> {
  const dataSource: DataSource = await createDataSource(database).initialize();
  try {
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    expect(applied.map((migration) => migration.name)).toEqual([
      'CreateWorkOrdersAndRounds1764061200000',
      'CreateRoundCommits1764064800000',
      'CreateGitHubTables1764079200000',
      'AddRoundPullRequest1764082800000',
      'AddGitHubCommentEnded1764086400000',
      'CreateRoundLabels1764090000000',
      'CreateRoundEvents1764097200000',
      'AddRoundResumesAt1764100800000',
    ]);
    expect(await dataSource.showMigrations()).toBe(false);
    expect(await existingTables(dataSource)).toEqual(tables);
    await expectBackfilled(dataSource);

    for (const _ of dataSource.migrations) await dataSource.undoLastMigration({ transaction: 'each' });
    expect(await existingTables(dataSource)).toEqual([]);

    // And up again: a down that left something behind would make this fail.
    await dataSource.runMigrations({ transaction: 'each' });
    expect(await dataSource.showMigrations()).toBe(false);
  } finally {
    await dataSource.destroy();
  }
}

/**
 * CreateRoundLabels and CreateRoundEvents run again over stored Rounds: each label of their JSON arrays is
 * copied (none for `[]`), and each transition becomes a history entry, in order.
 */
async function expectBackfilled(dataSource: DataSource): Promise<void> {
  // Back to before CreateRoundLabels: the migrations after it go down first.
  const labels = dataSource.migrations.findIndex(
    (migration) => migration.constructor.name === 'CreateRoundLabels1764090000000',
  );
  for (const _ of dataSource.migrations.slice(labels)) await dataSource.undoLastMigration({ transaction: 'each' });
  const round = (id: string, labels: string, createdAt: string) =>
    dataSource.query(
      `INSERT INTO rounds (id, workorder_id, title, plugin, state, attempt, priority, labels, branch, created_at, updated_at) VALUES ('${id}', 'wo-${id}', 't', 'echo', 'queued', 1, 5, '${labels}', 'b', '${createdAt}', '${createdAt}')`,
    );
  await round('r1', '["frontend","ui/x"]', '2026-01-01T00:00:00.000Z');
  await round('r2', '[]', '2026-01-02T00:00:00.000Z');
  await dataSource.query(
    `INSERT INTO round_transitions (round_id, from_state, to_state, reason, attempt, at) VALUES ('r1', NULL, 'queued', 'submitted', 1, 'a'), ('r1', 'queued', 'running', 'started', 1, 'b')`,
  );
  await dataSource.runMigrations({ transaction: 'each' });
  const history: { round_id: string; type: string; data: string }[] = await dataSource.query(
    'SELECT round_id, type, data FROM round_events ORDER BY id',
  );
  expect(history.map((row) => ({ ...row, data: JSON.parse(row.data) as unknown }))).toEqual([
    {
      round_id: 'r1',
      type: 'transition',
      data: { type: 'transition', round_id: 'r1', attempt: 1, from: null, to: 'queued', reason: 'submitted', at: 'a' },
    },
    {
      round_id: 'r1',
      type: 'transition',
      data: {
        type: 'transition',
        round_id: 'r1',
        attempt: 1,
        from: 'queued',
        to: 'running',
        reason: 'started',
        at: 'b',
      },
    },
  ]);
  const rows: unknown[] = await dataSource.query(
    'SELECT round_id, label, created_at FROM round_labels ORDER BY round_id, label',
  );
  expect(rows).toEqual([
    { round_id: 'r1', label: 'frontend', created_at: '2026-01-01T00:00:00.000Z' },
    { round_id: 'r1', label: 'ui/x', created_at: '2026-01-01T00:00:00.000Z' },
  ]);
}

async function existingTables(dataSource: DataSource): Promise<string[]> {
  const queryRunner = dataSource.createQueryRunner();
  try {
    const found = await Promise.all(
      tables.map(async (table) => ((await queryRunner.hasTable(table)) ? table : undefined)),
    );
    return found.filter((table): table is string => table !== undefined);
  } finally {
    await queryRunner.release();
  }
}

describe('migrations', () => {
  it('go up and down cleanly on SQLite', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sc-migrations-'));
    try {
      await migrateUpAndDown({ type: 'sqlite', path: join(dir, 'nested', 'sc.sqlite') });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  (pgTestUrl ? it : it.skip)('go up and down cleanly on Postgres (PG_TEST_URL)', async () => {
    const database: TestDatabase = await createTestDatabase();
    try {
      await migrateUpAndDown({ type: 'postgres', url: database.url });
    } finally {
      await database.drop();
    }
  });

  (pgTestUrl ? it : it.skip)('run once when replicas start together on one Postgres (PG_TEST_URL)', async () => {
    const database: TestDatabase = await createTestDatabase();
    const replicas = [1, 2, 3].map(() => createDataSource({ type: 'postgres', url: database.url }));
    try {
      await Promise.all(replicas.map((replica) => replica.initialize()));
      const applied = await Promise.all(replicas.map((replica) => migrate(replica)));
      // One replica ran them all; the others waited, then found nothing to do.
      expect(applied.map((names) => names.length).sort()).toEqual([0, 0, replicas[0].migrations.length]);
      const rows: unknown[] = await replicas[0].query('SELECT name FROM migrations');
      expect(rows).toHaveLength(replicas[0].migrations.length);
    } finally {
      await Promise.all(replicas.map((replica) => replica.destroy()));
      await database.drop();
    }
  });
});
