import { Logger } from '@nestjs/common';
import { roundJobId, validateWorkOrder, type StoredWorkOrder, type WorkOrderJob } from '@sc/schemas';
import type { Queue } from 'bullmq';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NEVER } from 'rxjs';
import { IsNull, type DataSource } from 'typeorm';
import type { OrchestratorConfig } from '../config/orchestrator.config';
import { createDataSource } from '../database/data-source';
import { UnitOfWork } from '../database/unit-of-work';
import type { RoundMetrics } from '../metrics/round.metrics';
import { RoundsRepository } from '../rounds/rounds.repository';
import { RoundEventsRepository } from '../rounds/round-events.repository';
import { RoundEventsService } from '../rounds/round-events.service';
import type { RoundGrowthChannel } from '../rounds/round-growth.channel';
import type { ReplicaLeases } from '../cluster/replica-leases.service';
import { RoundViewsService } from '../rounds/round-views.service';
import { RoundTransitions } from '../rounds/round-transitions';
import { RoundsService } from '../rounds/rounds.service';
import { WorkOrderEntity } from '../workorders/workorder.entity';
import type { CancelRequestsPublisher } from './cancel-requests.publisher';
import { OutboxEntity } from './outbox.entity';
import { OutboxRelay } from './outbox.relay';
import { OutboxRepository, type OutboxJob } from './outbox.repository';
import { WorkOrdersProducer } from './workorders.producer';

// Real SQLite, real RoundsService and relay; the BullMQ queue is a fake whose add lets a cancel commit in
// the middle of a relay run, the race this relay must close.
describe(OutboxRelay.name, () => {
  let dir: string;
  let dataSource: DataSource;
  let rounds: RoundsService;
  let views: RoundViewsService;
  let relay: OutboxRelay;
  let beforeAdd: (job: WorkOrderJob) => Promise<void>;
  let isTakenByWorker: boolean;
  const jobs = new Set<string>();
  const queue = {
    add: jest.fn(async (_name: string, job: WorkOrderJob, options: { jobId: string }) => {
      await beforeAdd(job);
      jobs.add(options.jobId);
    }),
    remove: jest.fn(async (jobId: string) => (!isTakenByWorker && jobs.delete(jobId) ? 1 : 0)),
    getJobState: jest.fn(async (jobId: string) =>
      jobs.has(jobId) ? (isTakenByWorker ? 'active' : 'waiting') : 'unknown',
    ),
  };
  const cancelRequests = { publish: jest.fn(async () => 1) };

  beforeAll(async () => {
    Logger.overrideLogger(false);
    dir = mkdtempSync(join(tmpdir(), 'sc-relay-'));
    dataSource = await createDataSource({ type: 'sqlite', path: join(dir, 'sc.sqlite') }).initialize();
    await dataSource.runMigrations();
    const unitOfWork = new UnitOfWork(dataSource);
    const outbox = new OutboxRepository(dataSource.getRepository(OutboxEntity));
    const producer = new WorkOrdersProducer(
      queue as unknown as Queue,
      outbox,
      cancelRequests as unknown as CancelRequestsPublisher,
      { redis: { url: 'redis://127.0.0.1:6379' } } as OrchestratorConfig,
    );
    relay = new OutboxRelay(outbox, producer, unitOfWork, { isHeld: async () => true } as unknown as ReplicaLeases);
    const metrics = { roundEnded: jest.fn(), reportStored: jest.fn() };
    const repository = new RoundsRepository(dataSource);
    views = new RoundViewsService(repository);
    const events = new RoundEventsService(new RoundEventsRepository(dataSource), repository, unitOfWork, {
      announce: jest.fn(),
      grown: () => NEVER,
    } as unknown as RoundGrowthChannel);
    const transitions = new RoundTransitions(repository, unitOfWork, metrics as unknown as RoundMetrics, events);
    rounds = new RoundsService(
      repository,
      transitions,
      producer,
      relay,
      cancelRequests as unknown as CancelRequestsPublisher,
      events,
      views,
    );
  });

  afterAll(async () => {
    await dataSource?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    jobs.clear();
    isTakenByWorker = false;
    beforeAdd = async () => undefined;
    jest.clearAllMocks();
  });

  let counter = 0;
  async function stage(): Promise<{ id: string; staged: OutboxJob }> {
    const result = validateWorkOrder({ id: `wo-relay-${++counter}`, title: 'T', instructions: 'I', branch: 'feat/x' });
    if (!result.ok) throw new Error('invalid test order');
    const order = result.value as StoredWorkOrder;
    const { round, staged } = await new UnitOfWork(dataSource).run(async (tx) => {
      await tx.insert(WorkOrderEntity, {
        id: order.id,
        document: JSON.stringify(order),
        idempotencyKey: null,
        createdAt: new Date().toISOString(),
      });
      return rounds.createQueued(tx, order);
    });
    return { id: round.id, staged };
  }
  const queued = async () => (await stage()).id;
  const unsent = () => dataSource.getRepository(OutboxEntity).countBy({ sentAt: IsNull() });

  it('enqueues a staged job once and marks it sent', async () => {
    const id = await queued();
    await relay.relayPending();
    await relay.relayPending();
    expect([...jobs]).toEqual([roundJobId(id, 1)]);
    expect(queue.add).toHaveBeenCalledTimes(1);
  });

  it('takes back a job whose Round was cancelled after the relay read its row', async () => {
    const id = await queued();
    beforeAdd = async (job) => {
      // The cancel commits now: it discards the row and finds no job to remove yet.
      expect((await rounds.cancel(job.round_id)).state).toBe('cancelled');
    };
    await relay.relayPending();
    expect(jobs.has(roundJobId(id, 1))).toBe(false);
    expect(cancelRequests.publish).not.toHaveBeenCalled();
    expect((await views.get(id)).state).toBe('cancelled');
  });

  it('asks the worker to stop when it took that job first', async () => {
    const id = await queued();
    beforeAdd = async (job) => {
      await rounds.cancel(job.round_id);
      isTakenByWorker = true;
    };
    await relay.relayPending();
    expect(cancelRequests.publish).toHaveBeenCalledWith({
      round_id: id,
      attempt: 1,
      reason: 'cancel requested by API',
    });
  });

  it("leaves the job of a row another orchestrator's relay marked sent first, and marks the others of the batch", async () => {
    const [first, second] = [await queued(), await queued()];
    beforeAdd = async (job) => {
      if (job.round_id !== first) return;
      await dataSource.query(`UPDATE outbox SET sent_at = '2026-01-01T00:00:00.000Z' WHERE job_id = ?`, [
        roundJobId(first, 1),
      ]);
    };
    await relay.relayPending();
    expect(jobs).toEqual(new Set([roundJobId(first, 1), roundJobId(second, 1)]));
    expect(queue.remove).not.toHaveBeenCalled();
    expect(cancelRequests.publish).not.toHaveBeenCalled();
    expect(await unsent()).toBe(0);
  });

  it('sends a job its submit just committed as it is, without reading the outbox, and marks it sent', async () => {
    const { id, staged } = await stage();
    const find = jest.spyOn(dataSource.getRepository(OutboxEntity), 'find');
    await relay.relayCommitted([staged]);
    expect(find).not.toHaveBeenCalled();
    find.mockRestore();
    expect([...jobs]).toEqual([roundJobId(id, 1)]);
    expect(queue.add).toHaveBeenCalledWith(
      expect.any(String),
      staged.payload,
      expect.objectContaining({ jobId: roundJobId(id, 1), priority: 5 }),
    );
    expect(await unsent()).toBe(0);
    await relay.relayPending();
    expect(queue.add).toHaveBeenCalledTimes(1);
  });

  it('leaves a committed job whose add failed to the sweep', async () => {
    const { id, staged } = await stage();
    beforeAdd = async () => {
      throw new Error('Redis is down');
    };
    await relay.relayCommitted([staged]);
    expect(await unsent()).toBe(1);
    beforeAdd = async () => undefined;
    await relay.relayPending();
    expect([...jobs]).toEqual([roundJobId(id, 1)]);
    expect(await unsent()).toBe(0);
  });

  it('keeps running when the database refuses: an unmarked job is sent again by the next sweep, which BullMQ ignores', async () => {
    const { id, staged } = await stage();
    const outbox = (relay as unknown as { outbox: OutboxRepository }).outbox;
    const markSent = jest.spyOn(outbox, 'markSent').mockRejectedValueOnce(new Error('SQLITE_IOERR'));
    await expect(relay.relayCommitted([staged])).resolves.toBeUndefined();
    expect(await unsent()).toBe(1);
    const pending = jest.spyOn(outbox, 'pending').mockRejectedValueOnce(new Error('connection terminated'));
    await expect(relay.relayPending()).resolves.toBeUndefined();
    await relay.relayPending();
    expect(await unsent()).toBe(0);
    expect([...jobs]).toEqual([roundJobId(id, 1)]);
    markSent.mockRestore();
    pending.mockRestore();
  });

  it('takes back a committed job whose Round a cancel ended before it was sent', async () => {
    const { id, staged } = await stage();
    expect((await rounds.cancel(id)).state).toBe('cancelled');
    await relay.relayCommitted([staged]);
    expect(jobs.has(roundJobId(id, 1))).toBe(false);
  });
});
