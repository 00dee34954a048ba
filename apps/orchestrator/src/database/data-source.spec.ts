import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { createTestDatabase, pgTestUrl, type TestDatabase } from '../../../../test/support/postgres';
import type { DatabaseConfig } from '../config/orchestrator.config';
import { createDataSource } from './data-source';

const tables = ['github_deliveries', 'github_round_links', 'outbox', 'reports', 'round_commits', 'round_transitions', 'rounds', 'workorders'];

/** Runs every migration up, then every one down, on a fresh database. */
async function migrateUpAndDown(database: DatabaseConfig): Promise<void> {
  const dataSource: DataSource = await createDataSource(database).initialize();
  try {
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    expect(applied.map((migration) => migration.name)).toEqual(['CreateWorkOrdersAndRounds1764061200000', 'CreateRoundCommits1764064800000', 'CreateGitHubTables1764079200000', 'AddRoundPullRequest1764082800000', 'AddGitHubCommentEnded1764086400000']);
    expect(await dataSource.showMigrations()).toBe(false);
    expect(await existingTables(dataSource)).toEqual(tables);

    for (const _ of dataSource.migrations) await dataSource.undoLastMigration({ transaction: 'each' });
    expect(await existingTables(dataSource)).toEqual([]);

    // And up again: a down that left something behind would make this fail.
    await dataSource.runMigrations({ transaction: 'each' });
    expect(await dataSource.showMigrations()).toBe(false);
  } finally {
    await dataSource.destroy();
  }
}

async function existingTables(dataSource: DataSource): Promise<string[]> {
  const queryRunner = dataSource.createQueryRunner();
  try {
    const found = await Promise.all(tables.map(async (table) => ((await queryRunner.hasTable(table)) ? table : undefined)));
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
});
