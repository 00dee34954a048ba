import { IllegalTransitionError, type RoundEvent } from '@sc/schemas';
import { firstValueFrom, toArray } from 'rxjs';
import type { DataSource } from 'typeorm';
import { createRoundsHarness, testReport, type RoundsHarness } from '../../test/support/rounds-harness';
import { UnitOfWork } from '../database/unit-of-work';
import { OutboxEntity } from '../queue/outbox.entity';
import type { ReportsService } from '../reports/reports.service';
import type { RoundEventsService } from './round-events.service';
import type { RoundMessagesService } from './round-messages.service';
import type { RoundViewsService } from './round-views.service';
import { RoundsService } from './rounds.service';

// Real SQLite, real migrations, real state machine; only Redis (queue, relay, pub/sub) is a stand-in.
describe(RoundsService.name, () => {
  let harness: RoundsHarness;
  let dataSource: DataSource;
  let rounds: RoundsService;
  let messages: RoundMessagesService;
  let views: RoundViewsService;
  let events: RoundEventsService;
  let reports: ReportsService;

  beforeAll(async () => {
    harness = await createRoundsHarness('SQLite');
    ({ dataSource, rounds, messages, views, events, reports } = harness);
  });
  afterAll(() => harness?.close());

  const queued = () => harness.queued();
  const at = () => new Date().toISOString();
  const report = testReport;

  it('creates a queued Round with its first transition and stages its job', async () => {
    const { id } = await queued();
    const view = await views.get(id);
    expect(view).toMatchObject({
      state: 'queued',
      attempt: 1,
      transitions: [{ from: null, to: 'queued', reason: 'submitted', attempt: 1 }],
    });
    expect(await dataSource.getRepository(OutboxEntity).findOneBy({ jobId: `${id}.1` })).toMatchObject({
      sentAt: null,
      priority: 5,
    });
  });

  it('refuses queued → queued (retry of a Round still going)', async () => {
    const { id } = await queued();
    await expect(rounds.retry(id)).rejects.toBeInstanceOf(IllegalTransitionError);
    expect((await views.get(id)).transitions).toHaveLength(1);
  });

  it('cancels a queued Round, drops its unsent job and removes it from the queue', async () => {
    const { id } = await queued();
    const view = await rounds.cancel(id);
    expect(view.state).toBe('cancelled');
    expect(await dataSource.getRepository(OutboxEntity).findOneBy({ jobId: `${id}.1` })).toBeNull();
    expect(harness.queue.remove).toHaveBeenCalledWith(`${id}.1`);
    expect(harness.cancelRequests.publish).not.toHaveBeenCalledWith(expect.objectContaining({ round_id: id }));
    await expect(rounds.cancel(id)).rejects.toBeInstanceOf(IllegalTransitionError);
  });

  it('asks the worker to stop a queued Round whose job it already took, and leaves its state to that worker', async () => {
    const { id } = await queued();
    harness.isTakenByWorker = true;
    try {
      expect((await rounds.cancel(id)).state).toBe('queued');
    } finally {
      harness.isTakenByWorker = false;
    }
    expect(harness.cancelRequests.publish).toHaveBeenCalledWith({
      round_id: id,
      attempt: 1,
      reason: 'cancel requested by API',
    });
  });

  it('sends a cancel request for a running Round and leaves its state to the worker', async () => {
    const { id } = await queued();
    await messages.start({ type: 'started', round_id: id, attempt: 1, worker: 'w', at: at() });
    expect((await rounds.cancel(id)).state).toBe('running');
    expect(harness.cancelRequests.publish).toHaveBeenCalledWith({
      round_id: id,
      attempt: 1,
      reason: 'cancel requested by API',
    });
  });

  it('applies a started that came with its finished in one transaction, as a start then an end', async () => {
    const { id, order } = await queued();
    const commits = jest.spyOn(UnitOfWork.prototype, 'run');
    const started = { type: 'started' as const, round_id: id, attempt: 1, worker: 'w1', at: at() };
    await messages.finish(
      { type: 'finished', round_id: id, attempt: 1, report: report(id, order.id, 1), at: at() },
      started,
    );
    expect(commits).toHaveBeenCalledTimes(1);
    commits.mockRestore();
    const view = await views.get(id);
    expect(view).toMatchObject({ state: 'succeeded', worker: 'w1' });
    expect(view.transitions.map((t) => [t.to, t.reason])).toEqual([
      ['queued', 'submitted'],
      ['running', 'started by w1'],
      ['succeeded', 'finished: success'],
    ]);
  });

  it('stores a Report once and ignores a repeated finished message', async () => {
    const { id, order } = await queued();
    const message = { type: 'finished' as const, round_id: id, attempt: 1, report: report(id, order.id, 1), at: at() };
    await messages.finish(message);
    await messages.finish(message);
    const view = await views.get(id);
    expect(view.state).toBe('succeeded');
    expect(view.transitions.map((t) => t.to)).toEqual(['queued', 'running', 'succeeded']);
    expect(await reports.get(id)).toMatchObject({ status: 'success', attempt: 1 });
  });

  it('counts a finished Round and its Report once, however often the message arrives', async () => {
    const { id, order } = await queued();
    const finished = {
      ...report(id, order.id, 1),
      token_usage: [{ agent: 'claude', model: 'sonnet', input: 7, output: 3 }],
    };
    const message = { type: 'finished' as const, round_id: id, attempt: 1, report: finished, at: at() };
    harness.metrics.roundEnded.mockClear();
    harness.metrics.reportStored.mockClear();
    await messages.finish(message);
    await messages.finish(message);
    // The implicit start is not an end: one call, for the terminal transition, with the Round as stored.
    expect(harness.metrics.roundEnded.mock.calls).toEqual([
      [
        expect.objectContaining({ id, plugin: 'echo', startedAt: expect.any(String), finishedAt: expect.any(String) }),
        'succeeded',
        expect.any(String),
      ],
    ]);
    expect(harness.metrics.reportStored.mock.calls).toEqual([[finished, 'echo']]);
  });

  it('counts a Round cancelled while queued, and nothing for a dropped message', async () => {
    const { id, order } = await queued();
    harness.metrics.roundEnded.mockClear();
    await rounds.cancel(id);
    await messages.finish({ type: 'finished', round_id: id, attempt: 1, report: report(id, order.id, 1), at: at() });
    expect(harness.metrics.roundEnded.mock.calls).toEqual([
      [expect.objectContaining({ id, startedAt: null }), 'cancelled', expect.any(String)],
    ]);
    expect(harness.metrics.reportStored).not.toHaveBeenCalledWith(expect.objectContaining({ round_id: id }));
  });

  it('records a lost worker when another one starts the same attempt: running → retrying → running', async () => {
    const { id } = await queued();
    await messages.start({ type: 'started', round_id: id, attempt: 1, worker: 'host:1', at: at() });
    await messages.start({ type: 'started', round_id: id, attempt: 1, worker: 'host:1', at: at() });
    await messages.start({ type: 'started', round_id: id, attempt: 1, worker: 'host:2', at: at() });
    const view = await views.get(id);
    expect(view).toMatchObject({ state: 'running', worker: 'host:2', attempt: 1 });
    expect(view.transitions.map((t) => [t.from, t.to, t.reason])).toEqual([
      [null, 'queued', 'submitted'],
      ['queued', 'running', 'started by host:1'],
      ['running', 'retrying', 'worker lost: host:1'],
      ['retrying', 'running', 'started by host:2'],
    ]);
  });

  it('shows when a waiting Round resumes, in its view and in the list, until it runs again', async () => {
    const { id } = await queued();
    const resumesAt = new Date(Date.now() + 3_600_000).toISOString();
    await messages.start({ type: 'started', round_id: id, attempt: 1, worker: 'w', at: at() });
    await messages.markRetrying({
      type: 'retrying',
      round_id: id,
      attempt: 1,
      reason: `rate_limited until ${resumesAt} (claude)`,
      retry_at: resumesAt,
      waiting: true,
      at: at(),
    });
    expect(await views.get(id)).toMatchObject({ state: 'waiting', resumes_at: resumesAt });
    const { items } = await views.list({ status: 'waiting', limit: 200 });
    expect(items.find((item) => item.id === id)).toMatchObject({ state: 'waiting', resumes_at: resumesAt });

    await messages.start({ type: 'started', round_id: id, attempt: 1, worker: 'w', at: at() });
    expect(await views.get(id)).toMatchObject({ state: 'running', resumes_at: null });
    const running = await views.list({ status: 'running', limit: 200 });
    expect(running.items.find((item) => item.id === id)).toMatchObject({ resumes_at: null });
  });

  it('keeps no resume time for a worker that stopped (retrying), nor once a waiting Round is cancelled', async () => {
    const { id } = await queued();
    const retry = { type: 'retrying' as const, round_id: id, attempt: 1, retry_at: at(), at: at() };
    await messages.start({ type: 'started', round_id: id, attempt: 1, worker: 'w', at: at() });
    await messages.markRetrying({ ...retry, reason: 'worker shutting down' });
    expect(await views.get(id)).toMatchObject({ state: 'retrying', resumes_at: null });
    await messages.markRetrying({ ...retry, reason: 'rate_limited', waiting: true });
    expect(await views.get(id)).toMatchObject({ state: 'waiting', resumes_at: retry.retry_at });
    expect(await rounds.cancel(id)).toMatchObject({ state: 'cancelled', resumes_at: null });
  });

  it('reaps a running attempt as error with a Report, and leaves a Round that moved on', async () => {
    const { id, order } = await queued();
    await messages.start({ type: 'started', round_id: id, attempt: 1, worker: 'host:1', at: at() });
    await rounds.reap(id, 1, 'orphaned: job lost');
    expect((await views.get(id)).transitions.at(-1)).toMatchObject({
      from: 'running',
      to: 'error',
      reason: 'orphaned: job lost',
    });
    expect(await reports.get(id)).toMatchObject({
      status: 'error',
      error: 'orphaned: job lost',
      attempt: 1,
      worker: 'host:1',
    });
    // A late Report of the lost attempt changes nothing; a second reap neither.
    await messages.finish({ type: 'finished', round_id: id, attempt: 1, report: report(id, order.id, 1), at: at() });
    await rounds.reap(id, 1, 'orphaned: job lost');
    expect((await views.get(id)).transitions.map((t) => t.to)).toEqual(['queued', 'running', 'error']);
  });

  it('drops a message for another attempt', async () => {
    const { id, order } = await queued();
    await messages.finish({ type: 'finished', round_id: id, attempt: 2, report: report(id, order.id, 2), at: at() });
    expect((await views.get(id)).state).toBe('queued');
  });

  it('retries a finished Round as the next attempt with a new job', async () => {
    const { id, order } = await queued();
    await messages.finish({
      type: 'finished',
      round_id: id,
      attempt: 1,
      report: report(id, order.id, 1, 'failure'),
      at: at(),
    });
    const view = await rounds.retry(id);
    expect(view).toMatchObject({ state: 'queued', attempt: 2, report_status: null });
    const row = await dataSource.getRepository(OutboxEntity).findOneBy({ jobId: `${id}.2` });
    expect(JSON.parse(row!.payload)).toMatchObject({ round_id: id, attempt: 2, order: { id: order.id } });
  });

  it('replays stored transitions to a follower and ends with a terminal state', async () => {
    const { id, order } = await queued();
    await messages.finish({ type: 'finished', round_id: id, attempt: 1, report: report(id, order.id, 1), at: at() });
    const replayed: RoundEvent[] = (await firstValueFrom((await events.follow(id)).pipe(toArray()))).map(
      (entry) => entry.event,
    );
    expect(replayed.map((event) => event.type === 'transition' && event.to)).toEqual([
      'queued',
      'running',
      'succeeded',
    ]);
  });

  it("stores a worker's events that come before the start of their attempt after it", async () => {
    const { id, order } = await queued();
    const recorded = events.record([
      { type: 'log', round_id: id, attempt: 1, level: 'info', message: 'early', at: at() },
    ]);
    await messages.start({ type: 'started', round_id: id, attempt: 1, worker: 'w', at: at() });
    await recorded;
    await messages.finish({ type: 'finished', round_id: id, attempt: 1, report: report(id, order.id, 1), at: at() });
    const replayed = await firstValueFrom((await events.follow(id)).pipe(toArray()));
    expect(replayed.map(({ event }) => (event.type === 'transition' ? event.to : event.type))).toEqual([
      'queued',
      'running',
      'log',
      'succeeded',
    ]);
  });

  it('streams live transitions until the Round finishes', async () => {
    const { id, order } = await queued();
    const collected = firstValueFrom((await events.follow(id)).pipe(toArray()));
    await messages.start({ type: 'started', round_id: id, attempt: 1, worker: 'w', at: at() });
    await events.record([{ type: 'log', round_id: id, attempt: 1, level: 'info', message: 'hello', at: at() }]);
    await messages.finish({ type: 'finished', round_id: id, attempt: 1, report: report(id, order.id, 1), at: at() });
    expect((await collected).map(({ event }) => (event.type === 'transition' ? event.to : event.type))).toEqual([
      'queued',
      'running',
      'log',
      'succeeded',
    ]);
  });

  it('drops events that arrive once the Round ended: its history closes with its end', async () => {
    const { id, order } = await queued();
    await messages.start({ type: 'started', round_id: id, attempt: 1, worker: 'w', at: at() });
    await messages.finish({ type: 'finished', round_id: id, attempt: 1, report: report(id, order.id, 1), at: at() });
    // A worker that lost the attempt while cut off sends what it still held.
    await events.record([{ type: 'log', round_id: id, attempt: 1, level: 'info', message: 'late', at: at() }]);
    const replayed = await firstValueFrom((await events.follow(id)).pipe(toArray()));
    expect(replayed.map(({ event }) => (event.type === 'transition' ? event.to : event.type))).toEqual([
      'queued',
      'running',
      'succeeded',
    ]);
  });

  it('ends at once an event stream opened while the orchestrator shuts down, which would hold its HTTP server open', async () => {
    const { id } = await queued();
    events.beforeApplicationShutdown();
    const replayed = await firstValueFrom((await events.follow(id)).pipe(toArray()));
    expect(replayed.length).toBeLessThanOrEqual(1);
  });
});
