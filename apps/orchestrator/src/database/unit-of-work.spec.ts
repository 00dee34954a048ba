import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource, EntityManager } from 'typeorm';
import { WorkOrderEntity } from '../workorders/workorder.entity';
import { createDataSource } from './data-source';
import { UnitOfWork } from './unit-of-work';

// Real SQLite with the real schema: the group commit is only worth having if its transactions are real.
describe(UnitOfWork.name, () => {
  let dir: string;
  let dataSource: DataSource;
  let unitOfWork: UnitOfWork;
  let counter = 0;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sc-unit-of-work-'));
    dataSource = await createDataSource({ type: 'sqlite', path: join(dir, 'sc.sqlite') }).initialize();
    await dataSource.runMigrations();
    unitOfWork = new UnitOfWork(dataSource);
  });

  afterAll(async () => {
    await dataSource?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  function insertWorkOrder(tx: EntityManager, id = `wo-${++counter}`): Promise<string> {
    return tx
      .insert(WorkOrderEntity, { id, document: '{}', idempotencyKey: null, createdAt: new Date().toISOString() })
      .then(() => id);
  }

  const stored = (id: string) => dataSource.getRepository(WorkOrderEntity).existsBy({ id });

  /** Counts the transactions the units below take: each one runs on a query runner of its own. */
  async function countingTransactions<T>(run: () => Promise<T>): Promise<{ result: T; transactions: number }> {
    const spy = jest.spyOn(dataSource, 'createQueryRunner');
    try {
      return { result: await run(), transactions: spy.mock.calls.length };
    } finally {
      spy.mockRestore();
    }
  }

  it('commits the units asked for in one turn of the event loop in one transaction', async () => {
    const { result, transactions } = await countingTransactions(() =>
      Promise.all([1, 2, 3, 4].map(() => unitOfWork.run((tx) => insertWorkOrder(tx)))),
    );
    expect(transactions).toBe(1);
    for (const id of result) expect(await stored(id)).toBe(true);
    const apart = await countingTransactions(async () => {
      for (let i = 0; i < 3; i++) await unitOfWork.run((tx) => insertWorkOrder(tx));
    });
    expect(apart.transactions).toBe(3);
  });

  it('undoes only the writes of a unit that throws, and rejects it alone', async () => {
    const ids = ['wo-keep-1', 'wo-undo', 'wo-keep-2'];
    const results = await Promise.allSettled(
      ids.map((id) =>
        unitOfWork.run(async (tx) => {
          await insertWorkOrder(tx, id);
          if (id === 'wo-undo') throw new Error('changed my mind');
          return id;
        }),
      ),
    );
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(await Promise.all(ids.map(stored))).toEqual([true, false, true]);
  });

  it('rolls back a lone unit that throws', async () => {
    await expect(
      unitOfWork.run((tx) => insertWorkOrder(tx, 'wo-lone').then(() => Promise.reject(new Error('no')))),
    ).rejects.toThrow('no');
    expect(await stored('wo-lone')).toBe(false);
  });

  it('rejects a unit that breaks a constraint with the database error, and commits the others', async () => {
    await unitOfWork.run((tx) => insertWorkOrder(tx, 'wo-taken'));
    const [taken, fresh] = await Promise.allSettled([
      unitOfWork.run((tx) => insertWorkOrder(tx, 'wo-taken')),
      unitOfWork.run((tx) => insertWorkOrder(tx, 'wo-fresh')),
    ]);
    expect(taken).toMatchObject({
      status: 'rejected',
      reason: expect.objectContaining({ message: expect.stringContaining('UNIQUE constraint failed') }),
    });
    expect(fresh.status).toBe('fulfilled');
    expect(await stored('wo-fresh')).toBe(true);
  });

  it('runs units that arrive while a group commits in the next group', async () => {
    let releaseFirst!: () => void;
    const first = unitOfWork.run(async (tx) => {
      await new Promise<void>((resolve) => (releaseFirst = resolve));
      return insertWorkOrder(tx);
    });
    await new Promise((resolve) => setImmediate(resolve));
    const later = unitOfWork.run((tx) => insertWorkOrder(tx));
    releaseFirst();
    expect(await stored(await first)).toBe(true);
    expect(await stored(await later)).toBe(true);
  });
});
