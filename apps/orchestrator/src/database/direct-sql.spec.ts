import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RoundState } from '@sc/schemas';
import { Column, DataSource, Entity, PrimaryColumn } from 'typeorm';
import { createTestDatabase, pgTestUrl, type TestDatabase } from '../../../../test/support/postgres';
import { RoundTransitionEntity } from '../rounds/round-transition.entity';
import { WorkOrderEntity } from '../workorders/workorder.entity';
import { createDataSource, directSqlEntities } from './data-source';
import { assertPlainColumns, findOneRow, insertRows, updateRows } from './direct-sql';

const databases: [string, () => Promise<{ dataSource: DataSource; cleanup: () => Promise<void> }>][] = [
  [
    'SQLite',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'sc-direct-sql-'));
      const dataSource = await createDataSource({ type: 'sqlite', path: join(dir, 'sc.sqlite') }).initialize();
      return {
        dataSource,
        cleanup: async () => (await dataSource.destroy(), rmSync(dir, { recursive: true, force: true })),
      };
    },
  ],
];
if (pgTestUrl) {
  databases.push([
    'Postgres',
    async () => {
      const database: TestDatabase = await createTestDatabase();
      const dataSource = await createDataSource({ type: 'postgres', url: database.url }).initialize();
      return { dataSource, cleanup: async () => (await dataSource.destroy(), await database.drop()) };
    },
  ]);
}

describe.each(databases)('direct SQL on %s', (_name, open) => {
  let dataSource: DataSource;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    ({ dataSource, cleanup } = await open());
    await dataSource.runMigrations();
  });
  afterAll(() => cleanup?.());

  const at = '2026-11-25T10:00:00.000Z';
  const transition = (roundId: string, to: RoundState) => ({ roundId, from: null, to, reason: 'test', attempt: 1, at });

  it('inserts several rows in one statement, leaving generated ids to the database', async () => {
    await dataSource.transaction((tx) =>
      insertRows(tx, RoundTransitionEntity, [transition('r-1', 'queued'), transition('r-1', 'running')]),
    );
    const rows = await dataSource
      .getRepository(RoundTransitionEntity)
      .find({ where: { roundId: 'r-1' }, order: { id: 'ASC' } });
    expect(rows.map((row) => [row.to, row.from, row.attempt, row.at])).toEqual([
      ['queued', null, 1, at],
      ['running', null, 1, at],
    ]);
    expect(rows[1].id).toBeGreaterThan(rows[0].id);
  });

  it('updates only rows matching every condition, skips undefined values, and counts what it changed', async () => {
    await dataSource.transaction((tx) =>
      insertRows(tx, WorkOrderEntity, [{ id: 'wo-a', document: '{}', idempotencyKey: 'key-a', createdAt: at }]),
    );
    const changed = await dataSource.transaction((tx) =>
      updateRows(
        tx,
        WorkOrderEntity,
        { id: 'wo-a', idempotencyKey: 'key-a' },
        { document: '{"v":2}', createdAt: undefined },
      ),
    );
    const unchanged = await dataSource.transaction((tx) =>
      updateRows(tx, WorkOrderEntity, { id: 'wo-a', idempotencyKey: 'other' }, { document: '{"v":3}' }),
    );
    expect([changed, unchanged]).toEqual([1, 0]);
    expect(await dataSource.getRepository(WorkOrderEntity).findOneBy({ id: 'wo-a' })).toMatchObject({
      document: '{"v":2}',
      createdAt: at,
    });
  });

  it('fails with the database error on a unique violation', async () => {
    const row = { id: 'wo-b', document: '{}', idempotencyKey: null, createdAt: at };
    await dataSource.transaction((tx) => insertRows(tx, WorkOrderEntity, [row]));
    await expect(dataSource.transaction((tx) => insertRows(tx, WorkOrderEntity, [row]))).rejects.toThrow(
      /UNIQUE|unique/,
    );
  });

  it('reads one row back as the entity TypeORM would give, or null', async () => {
    const row = { id: 'wo-d', document: '{"d":1}', idempotencyKey: 'key-d', createdAt: at };
    await dataSource.transaction((tx) => insertRows(tx, WorkOrderEntity, [row]));
    const [found, missing] = await dataSource.transaction(async (tx) => [
      await findOneRow(tx, WorkOrderEntity, { id: 'wo-d' }),
      await findOneRow(tx, WorkOrderEntity, { id: 'nope' }),
    ]);
    expect(found).toEqual(await dataSource.getRepository(WorkOrderEntity).findOneBy({ id: 'wo-d' }));
    expect(found).toEqual(row);
    expect(missing).toBeNull();
    // Integers, generated ids and nulls come back as TypeORM reads them.
    const transition = await dataSource.transaction((tx) =>
      findOneRow(tx, RoundTransitionEntity, { roundId: 'r-1', to: 'running' }),
    );
    expect(transition).toEqual(
      await dataSource.getRepository(RoundTransitionEntity).findOneBy({ roundId: 'r-1', to: 'running' }),
    );
    expect(transition).toMatchObject({ id: expect.any(Number), attempt: 1, from: null });
  });

  it('refuses a null condition (= NULL would match nothing) and runs only inside a transaction', async () => {
    await expect(
      dataSource.transaction((tx) => updateRows(tx, WorkOrderEntity, { idempotencyKey: null }, { document: '{}' })),
    ).rejects.toThrow('where.idempotencyKey must have a value');
    await expect(
      insertRows(dataSource.manager, WorkOrderEntity, [
        { id: 'wo-c', document: '{}', idempotencyKey: null, createdAt: at },
      ]),
    ).rejects.toThrow('inside a transaction');
  });
});

@Entity('odd_rows')
class OddRowEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  id!: string;

  @Column({ type: 'bigint' })
  count!: string;

  @Column({ type: 'boolean' })
  done!: boolean;

  @Column({
    type: 'varchar',
    length: 32,
    transformer: { to: (value: Date) => value.toISOString(), from: (value: string) => new Date(value) },
  })
  at!: Date;
}

describe(assertPlainColumns.name, () => {
  it('passes every entity the app reaches through direct SQL', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sc-direct-sql-'));
    const dataSource = await createDataSource({ type: 'sqlite', path: join(dir, 'sc.sqlite') }).initialize();
    try {
      expect(() => assertPlainColumns(dataSource, directSqlEntities)).not.toThrow();
    } finally {
      await dataSource.destroy();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a column the direct SQL would read differently, naming each', async () => {
    const dataSource = await new DataSource({
      type: 'better-sqlite3',
      database: ':memory:',
      entities: [OddRowEntity],
    }).initialize();
    try {
      const refusal =
        'entity columns the direct SQL (database/direct-sql.ts) would read differently: OddRowEntity.count is bigint; OddRowEntity.done is boolean; OddRowEntity.at has a transformer; use varchar, text, integer without a transformer';
      expect(() => assertPlainColumns(dataSource, [OddRowEntity])).toThrow(refusal);
      // An entity left out of the start-up list fails on its first statement, before any value is read.
      await expect(
        dataSource.transaction((tx) =>
          insertRows(tx, OddRowEntity, [{ id: 'x', count: '1', done: true, at: new Date() }]),
        ),
      ).rejects.toThrow(refusal);
    } finally {
      await dataSource.destroy();
    }
  });
});
