import type { LogEvent, WorkerEvent } from '@sc/schemas';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { createDataSource } from '../database/data-source';
import { UnitOfWork } from '../database/unit-of-work';
import { RoundEventsRepository, toRoundEvent } from './round-events.repository';

describe(RoundEventsRepository.name, () => {
  let dir: string;
  let dataSource: DataSource;
  let repository: RoundEventsRepository;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sc-round-events-'));
    dataSource = await createDataSource({ type: 'sqlite', path: join(dir, 'sc.sqlite') }).initialize();
    await dataSource.runMigrations();
    repository = new RoundEventsRepository(dataSource);
  });

  afterAll(async () => {
    await dataSource?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  const log = (roundId: string, message: string): LogEvent => ({
    type: 'log',
    round_id: roundId,
    attempt: 1,
    level: 'info',
    message,
    at: new Date().toISOString(),
  });
  const append = (roundId: string, events: WorkerEvent[]) =>
    new UnitOfWork(dataSource).run((tx) => repository.addWorkerEvents(tx, roundId, events, { head: 2, tail: 3 }));

  it('numbers log lines per Round and keeps the first and last ones, whatever the batches', async () => {
    await append('r1', [
      log('r1', '1'),
      log('r1', '2'),
      { type: 'phase', round_id: 'r1', attempt: 1, phase: 'coding', state: 'started', at: 'x' },
    ]);
    await append('r2', [log('r2', 'other')]);
    for (const batch of [['3', '4'], ['5', '6', '7'], ['8']])
      await append(
        'r1',
        batch.map((message) => log('r1', message)),
      );
    const rows = await repository.after('r1', 0, 100);
    expect(
      rows.map((row) => [row.line, row.type === 'log' ? (toRoundEvent(row) as LogEvent).message : row.type]),
    ).toEqual([
      [1, '1'],
      [2, '2'],
      [null, 'phase'],
      [6, '6'],
      [7, '7'],
      [8, '8'],
    ]);
    expect((await repository.after('r2', 0, 100)).map((row) => row.line)).toEqual([1]);
  });
});
