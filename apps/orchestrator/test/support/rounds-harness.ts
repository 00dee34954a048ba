import { Logger } from '@nestjs/common';
import { validateWorkOrder, type Report, type ReportStatus, type StoredWorkOrder, type WorkOrder } from '@sc/schemas';
import type { Queue } from 'bullmq';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NEVER } from 'rxjs';
import type { DataSource } from 'typeorm';
import { createTestDatabase, pgTestUrl } from '../../../../test/support/postgres';
import { createDataSource } from '../../src/database/data-source';
import { UnitOfWork } from '../../src/database/unit-of-work';
import type { OrchestratorConfig } from '../../src/config/orchestrator.config';
import type { RoundMetrics } from '../../src/metrics/round.metrics';
import type { CancelRequestsPublisher } from '../../src/queue/cancel-requests.publisher';
import { OutboxEntity } from '../../src/queue/outbox.entity';
import type { OutboxRelay } from '../../src/queue/outbox.relay';
import { OutboxRepository } from '../../src/queue/outbox.repository';
import { WorkOrdersProducer } from '../../src/queue/workorders.producer';
import { ReportsRepository } from '../../src/reports/reports.repository';
import { ReportsService } from '../../src/reports/reports.service';
import { RoundEventsRepository } from '../../src/rounds/round-events.repository';
import { RoundEventsService } from '../../src/rounds/round-events.service';
import { RoundMessagesService } from '../../src/rounds/round-messages.service';
import { RoundTransitions } from '../../src/rounds/round-transitions';
import type { RoundGrowthChannel } from '../../src/rounds/round-growth.channel';
import { RoundViewsService } from '../../src/rounds/round-views.service';
import { RoundsRepository } from '../../src/rounds/rounds.repository';
import { RoundsService } from '../../src/rounds/rounds.service';
import { WorkOrderEntity } from '../../src/workorders/workorder.entity';

/**
 * The real `RoundsService` and its neighbours on a real, migrated database, without Nest and without Redis:
 * the queue, the relay, cancel requests and metrics are stand-ins a test can steer and inspect.
 */
export interface RoundsHarness {
  dataSource: DataSource;
  repository: RoundsRepository;
  rounds: RoundsService;
  messages: RoundMessagesService;
  views: RoundViewsService;
  events: RoundEventsService;
  reports: ReportsService;
  cancelRequests: { publish: jest.Mock<Promise<number>, [unknown]> };
  queue: { remove: jest.Mock; getJobState: jest.Mock };
  metrics: { roundEnded: jest.Mock; reportStored: jest.Mock };
  /** True: the queue says a worker holds every job (a cancel of a queued Round then asks that worker). */
  isTakenByWorker: boolean;
  /** Stores a new work-order (with `fields` added) and its first, queued Round. */
  queued(fields?: Partial<WorkOrder>): Promise<{ id: string; order: StoredWorkOrder }>;
  close(): Promise<void>;
}

/** The databases a harness can run on: SQLite always, Postgres when `PG_TEST_URL` is set. */
export const harnessDatabases: ('SQLite' | 'Postgres')[] = pgTestUrl ? ['SQLite', 'Postgres'] : ['SQLite'];

export async function createRoundsHarness(database: 'SQLite' | 'Postgres'): Promise<RoundsHarness> {
  Logger.overrideLogger(false);
  const dir = mkdtempSync(join(tmpdir(), 'sc-rounds-'));
  const postgres = database === 'Postgres' ? await createTestDatabase() : undefined;
  const dataSource = await createDataSource(
    postgres ? { type: 'postgres', url: postgres.url } : { type: 'sqlite', path: join(dir, 'sc.sqlite') },
  ).initialize();
  await dataSource.runMigrations();
  const unitOfWork = new UnitOfWork(dataSource);
  const harness = { isTakenByWorker: false } as RoundsHarness;
  const queue = {
    remove: jest.fn(async () => (harness.isTakenByWorker ? 0 : 1)),
    getJobState: jest.fn(async () => (harness.isTakenByWorker ? 'active' : 'unknown')),
  };
  const cancelRequests = { publish: jest.fn(async (_request: unknown) => 1) };
  const metrics = { roundEnded: jest.fn(), reportStored: jest.fn() };
  const producer = new WorkOrdersProducer(
    queue as unknown as Queue,
    new OutboxRepository(dataSource.getRepository(OutboxEntity)),
    cancelRequests as unknown as CancelRequestsPublisher,
    { redis: { url: 'redis://127.0.0.1:6379' } } as OrchestratorConfig,
  );
  const relay = { relayCommitted: jest.fn(async () => undefined) } as unknown as OutboxRelay;
  const repository = new RoundsRepository(dataSource);
  const views = new RoundViewsService(repository);
  // One orchestrator: no other replica to tell, none telling.
  const growth = { announce: jest.fn(), grown: () => NEVER } as unknown as RoundGrowthChannel;
  const events = new RoundEventsService(new RoundEventsRepository(dataSource), repository, unitOfWork, growth);
  const transitions = new RoundTransitions(repository, unitOfWork, metrics as unknown as RoundMetrics, events);
  const rounds = new RoundsService(
    repository,
    transitions,
    producer,
    relay,
    cancelRequests as unknown as CancelRequestsPublisher,
    events,
    views,
  );
  const messages = new RoundMessagesService(repository, transitions, metrics as unknown as RoundMetrics);
  let counter = 0;
  return Object.assign(harness, {
    dataSource,
    repository,
    rounds,
    messages,
    views,
    events,
    reports: new ReportsService(new ReportsRepository(dataSource), views),
    cancelRequests,
    queue,
    metrics,
    async queued(fields = {}) {
      const result = validateWorkOrder({
        id: `wo-${++counter}`,
        title: 'T',
        instructions: 'I',
        branch: `feat/x-${counter}`,
        ...fields,
      });
      if (!result.ok) throw new Error('invalid test order');
      const order = result.value as StoredWorkOrder;
      const round = await unitOfWork.run(async (tx) => {
        await tx.insert(WorkOrderEntity, {
          id: order.id,
          document: JSON.stringify(order),
          idempotencyKey: null,
          createdAt: new Date().toISOString(),
        });
        return (await rounds.createQueued(tx, order)).round;
      });
      return { id: round.id, order };
    },
    async close() {
      events.beforeApplicationShutdown();
      await dataSource.destroy();
      await postgres?.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  });
}

/** A worker's Report of an attempt, as small as the schema allows. */
export function testReport(
  roundId: string,
  workorderId: string,
  attempt: number,
  status: ReportStatus = 'success',
): Report {
  return {
    round_id: roundId,
    workorder_id: workorderId,
    status,
    summary: 's',
    phases: [],
    token_usage: [],
    cost_usd: 0,
    artifacts: [],
    commits: [],
    attempt,
    worker: 'w',
  };
}
