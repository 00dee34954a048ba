import { JobName, QueueName, ReportSchemaVersion, type Report, type RoundMessage, type WorkerEvent } from '@sc/schemas';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { Redis } from 'ioredis';
import { redisUrl } from '../../../test/support/local-stack';
import { until } from '../../../test/support/until';
import { DatabaseRows } from './support/database-rows';
import { echoOrder, startOrchestratorStack, type OrchestratorStack } from './support/orchestrator-stack';

/** The worker's part, played by the test: Round messages on the `reports` queue. */
describe('reports', () => {
  let sc: OrchestratorStack;
  beforeAll(async () => {
    sc = await startOrchestratorStack();
  });
  afterAll(() => sc?.close());

  const at = () => new Date().toISOString();

  async function submit(): Promise<{ workorder_id: string; round_id: string }> {
    return (await sc.call('POST', '/workorders', { body: echoOrder() })).body;
  }

  function report(
    round: { workorder_id: string; round_id: string },
    attempt: number,
    overrides: Partial<Report> = {},
  ): Report {
    return {
      round_id: round.round_id,
      workorder_id: round.workorder_id,
      status: 'success',
      summary: "Echo these instructions back as the Round's summary.",
      phases: [{ name: 'coding', status: 'success', started_at: at(), finished_at: at(), exit_code: 0 }],
      token_usage: [],
      cost_usd: 0,
      artifacts: [],
      commits: [],
      attempt,
      worker: 'test-worker',
      ...overrides,
    };
  }

  async function send(...messages: (RoundMessage | Record<string, unknown>)[]): Promise<void> {
    await sc.queue(QueueName.Reports).add(JobName.RoundMessages, { messages });
  }

  async function roundIn(roundId: string, state: string) {
    return until(
      async () => {
        const round = (await sc.call('GET', `/rounds/${roundId}`)).body;
        return round.state === state ? round : undefined;
      },
      { what: `round ${roundId} ${state}` },
    );
  }

  it('answers 404 for an unknown report', async () => {
    expect(await sc.call('GET', '/reports/nope')).toEqual({
      status: 404,
      body: { statusCode: 404, error: 'Not Found', message: 'report nope not found' },
    });
  });

  it('moves a Round through running to succeeded and stores its Report once', async () => {
    const round = await submit();
    await send({ type: 'started', round_id: round.round_id, attempt: 1, worker: 'test-worker', at: at() });
    await roundIn(round.round_id, 'running');
    // A repeated `started` for the same attempt changes nothing.
    await send({ type: 'started', round_id: round.round_id, attempt: 1, worker: 'test-worker', at: at() });

    const finished = {
      type: 'finished' as const,
      round_id: round.round_id,
      attempt: 1,
      report: report(round, 1),
      at: at(),
    };
    await send(finished);
    await send(finished);
    const done = await roundIn(round.round_id, 'succeeded');
    expect(done).toMatchObject({
      worker: 'test-worker',
      report_status: 'success',
      started_at: expect.any(String),
      finished_at: expect.any(String),
    });

    // The second copy hits the unique (round, attempt) constraint and is acknowledged.
    await until(() => sc.orchestrator.output().includes('"msg":"duplicate report ignored"'), {
      what: 'duplicate acknowledged',
    });
    const rows = await DatabaseRows.open(sc.stack);
    try {
      expect(await rows.rowsWhere('reports', 'round_id', round.round_id)).toHaveLength(1);
    } finally {
      await rows.close();
    }
    const trail = (await sc.call('GET', `/rounds/${round.round_id}`)).body.transitions.map(
      (t: { from: string; to: string; reason: string }) => [t.from, t.to, t.reason],
    );
    expect(trail).toEqual([
      [null, 'queued', 'submitted'],
      ['queued', 'running', 'started by test-worker'],
      ['running', 'succeeded', 'finished: success'],
    ]);
    const stored = await sc.call('GET', `/reports/${round.round_id}`);
    expect(stored).toEqual({
      status: 200,
      body: { ...report(round, 1), schema_version: ReportSchemaVersion, phases: expect.any(Array) },
    });
  });

  it('passes through running implicitly when a Round finishes straight from queued, and merges recorded commits', async () => {
    const round = await submit();
    await sc.call('POST', `/rounds/${round.round_id}/commits`, { body: { sha: 'abc1234', message: 'Recorded' } });
    await send({
      type: 'finished',
      round_id: round.round_id,
      attempt: 1,
      report: report(round, 1, { status: 'failure', commits: [{ sha: 'def5678' }] }),
      at: at(),
    });
    const failed = await roundIn(round.round_id, 'failed');
    expect(failed.transitions.map((t: { to: string; reason: string }) => [t.to, t.reason])).toEqual([
      ['queued', 'submitted'],
      ['running', 'started (implicit)'],
      ['failed', 'finished: failure'],
    ]);
    const stored = (await sc.call('GET', `/reports/${round.round_id}`)).body;
    expect(stored.commits).toEqual([{ sha: 'def5678' }, { sha: 'abc1234', message: 'Recorded' }]);
  });

  it('numbers retries: attempt 2 gets its own Report, and stale attempt-1 messages change nothing', async () => {
    const round = await submit();
    await send({
      type: 'finished',
      round_id: round.round_id,
      attempt: 1,
      report: report(round, 1, { status: 'error', error: 'boom' }),
      at: at(),
    });
    await roundIn(round.round_id, 'error');
    const retried = await sc.call('POST', `/rounds/${round.round_id}/retry`);
    expect(retried.body).toMatchObject({ state: 'queued', attempt: 2, report_status: null });

    await send({ type: 'started', round_id: round.round_id, attempt: 1, worker: 'late', at: at() });
    await send({ type: 'started', round_id: round.round_id, attempt: 2, worker: 'test-worker', at: at() });
    await send({ type: 'finished', round_id: round.round_id, attempt: 2, report: report(round, 2), at: at() });
    const done = await roundIn(round.round_id, 'succeeded');
    expect(done.attempt).toBe(2);
    expect(done.transitions.map((t: { to: string; attempt: number }) => [t.to, t.attempt])).toEqual([
      ['queued', 1],
      ['running', 1],
      ['error', 1],
      ['queued', 2],
      ['running', 2],
      ['succeeded', 2],
    ]);
    expect((await sc.call('GET', `/reports/${round.round_id}`)).body).toMatchObject({ attempt: 2, status: 'success' });
  });

  it("passes on the events a short Round's finished message carries, between its start and its end", async () => {
    const round = await submit();
    const response = await fetch(`${sc.orchestrator.url}/rounds/${round.round_id}/events`, {
      headers: { accept: 'text/event-stream' },
      signal: AbortSignal.timeout(30_000),
    });
    const stream = response.body!.getReader();
    const decoder = new TextDecoder();
    const received: EventSourceMessage[] = [];
    const parser = createParser({ onEvent: (event) => received.push(event) });
    const read = async () => {
      const { value, done } = await stream.read();
      if (value) parser.feed(decoder.decode(value, { stream: true }));
      return !done;
    };
    await until(async () => (await read()) && received.length > 0, { what: 'the replayed transition' });

    const event = { round_id: round.round_id, attempt: 1, at: at() };
    const events = [
      { ...event, type: 'phase', phase: 'coding', state: 'started' },
      { ...event, type: 'log', level: 'info', message: 'params stored' },
      { ...event, type: 'phase', phase: 'coding', state: 'finished' },
      { ...event, type: 'end' },
    ] as WorkerEvent[];
    await send(
      { type: 'started', round_id: round.round_id, attempt: 1, worker: 'test-worker', at: at() },
      { type: 'finished', round_id: round.round_id, attempt: 1, report: report(round, 1), at: at(), events },
    );
    while (await read());
    expect(
      received.map((message) => [
        message.event,
        JSON.parse(message.data).to ?? JSON.parse(message.data).state ?? JSON.parse(message.data).message,
      ]),
    ).toEqual([
      ['transition', 'queued'],
      ['transition', 'running'],
      ['phase', 'started'],
      ['log', 'params stored'],
      ['phase', 'finished'],
      ['transition', 'succeeded'],
    ]);
  });

  it('drops invalid messages and batches without crashing, and keeps working', async () => {
    await send({ type: 'finished', round_id: 'x' });
    await sc.queue(QueueName.Reports).add(JobName.RoundMessages, { hello: 'world' });
    const round = await submit();
    await send({ type: 'started', round_id: round.round_id, attempt: 1, worker: 'test-worker', at: at() });
    await roundIn(round.round_id, 'running');
    expect(sc.orchestrator.child.exitCode).toBeNull();
    // Log lines are written in batches: wait for them rather than read at once.
    await until(
      () =>
        ['invalid round message dropped', 'invalid round messages dropped'].every((msg) =>
          sc.orchestrator.output().includes(msg),
        ),
      { what: 'both drops logged' },
    );
  });

  it("applies a batch of several Rounds in order, each Round's messages one after another, skipping an invalid one", async () => {
    const first = await submit();
    const second = await submit();
    await send(
      { type: 'started', round_id: first.round_id, attempt: 1, worker: 'test-worker', at: at() },
      { type: 'started', round_id: second.round_id, attempt: 1, worker: 'test-worker', at: at() },
      { type: 'finished', round_id: first.round_id },
      { type: 'finished', round_id: first.round_id, attempt: 1, report: report(first, 1), at: at() },
      {
        type: 'finished',
        round_id: second.round_id,
        attempt: 1,
        report: report(second, 1, { status: 'failure' }),
        at: at(),
      },
    );
    for (const [round, state] of [
      [first, 'succeeded'],
      [second, 'failed'],
    ] as const) {
      const done = await roundIn(round.round_id, state);
      expect(done.transitions.map((t: { reason: string }) => t.reason)).toEqual([
        'submitted',
        'started by test-worker',
        `finished: ${state === 'succeeded' ? 'success' : 'failure'}`,
      ]);
    }
  });

  it('asks workers to stop a running Round and keeps it running until the worker reports', async () => {
    const round = await submit();
    await send({ type: 'started', round_id: round.round_id, attempt: 1, worker: 'test-worker', at: at() });
    await roundIn(round.round_id, 'running');

    const subscriber = new Redis(redisUrl);
    const heard: string[] = [];
    try {
      await subscriber.subscribe(`${sc.stack.queuePrefix}:cancel-requests`);
      subscriber.on('message', (_channel, message: string) => heard.push(message));
      const answer = await sc.call('POST', `/rounds/${round.round_id}/cancel`);
      expect(answer.body).toMatchObject({ state: 'running' });
      await until(() => heard.length > 0, { what: 'cancel request' });
      expect(JSON.parse(heard[0])).toEqual({ round_id: round.round_id, attempt: 1, reason: 'cancel requested by API' });
    } finally {
      subscriber.disconnect();
    }
    await send({
      type: 'finished',
      round_id: round.round_id,
      attempt: 1,
      report: report(round, 1, { status: 'cancelled' }),
      at: at(),
    });
    await roundIn(round.round_id, 'cancelled');
  });
});
