import { JobName, QueueName, type Report, type RoundEvent, type RoundMessage, type WorkerEvent } from '@sc/schemas';
import { createParser } from 'eventsource-parser';
import { until } from '../../../test/support/until';
import { echoOrder, startOrchestratorStack, type OrchestratorStack } from './support/orchestrator-stack';

interface Received {
  id?: string;
  event: RoundEvent;
}

/** The worker's part, played by the test: messages on `reports`, events on `events`, in the orders a real one may. */
describe('round history', () => {
  let sc: OrchestratorStack;
  beforeAll(async () => {
    sc = await startOrchestratorStack();
  });
  afterAll(() => sc?.close());

  const at = () => new Date().toISOString();
  type Round = { workorder_id: string; round_id: string };

  async function submit(): Promise<Round> {
    return (await sc.call('POST', '/workorders', { body: echoOrder() })).body;
  }

  function report(round: Round): Report {
    return {
      round_id: round.round_id,
      workorder_id: round.workorder_id,
      status: 'success',
      summary: 's',
      phases: [],
      token_usage: [],
      cost_usd: 0,
      artifacts: [],
      commits: [],
      attempt: 1,
      worker: 'test-worker',
    };
  }

  const send = (...messages: RoundMessage[]) => sc.queue(QueueName.Reports).add(JobName.RoundMessages, { messages });
  const publish = (...events: WorkerEvent[]) => sc.queue(QueueName.Events).add(JobName.RoundEvents, { events });
  const log = (round: Round, message: string): WorkerEvent => ({
    type: 'log',
    round_id: round.round_id,
    attempt: 1,
    level: 'info',
    message,
    phase: 'coding',
    at: at(),
  });
  const phase = (round: Round, state: 'started' | 'finished'): WorkerEvent => ({
    type: 'phase',
    round_id: round.round_id,
    attempt: 1,
    phase: 'coding',
    state,
    at: at(),
  });
  const end = (round: Round): WorkerEvent => ({ type: 'end', round_id: round.round_id, attempt: 1, at: at() });

  /** Reads `GET /rounds/:id/events` until the server ends it. */
  async function stream(roundId: string, options: { query?: string; lastEventId?: string } = {}): Promise<Received[]> {
    const headers: Record<string, string> = {
      accept: 'text/event-stream',
      ...(options.lastEventId ? { 'last-event-id': options.lastEventId } : {}),
    };
    const response = await fetch(`${sc.orchestrator.url}/rounds/${roundId}/events${options.query ?? ''}`, {
      headers,
      signal: AbortSignal.timeout(30_000),
    });
    expect(response.status).toBe(200);
    const received: Received[] = [];
    const parser = createParser({
      onEvent: (message) => received.push({ id: message.id, event: JSON.parse(message.data) as RoundEvent }),
    });
    const decoder = new TextDecoder();
    for await (const chunk of response.body as AsyncIterable<Uint8Array>)
      parser.feed(decoder.decode(chunk, { stream: true }));
    return received;
  }

  function describeEvent({ event }: Received): string {
    if (event.type === 'transition') return `${event.from ?? 'new'} → ${event.to}`;
    if (event.type === 'phase') return `${event.phase} ${event.state}`;
    return event.message;
  }

  it("stores a Round's phase events and log lines in the order they happened, whatever order the two queues deliver them in, and replays them after the end", async () => {
    const round = await submit();
    const live = stream(round.round_id);
    // Events overtake the start on their queue; the end overtakes the last events.
    await publish(phase(round, 'started'), log(round, 'one'));
    await send({ type: 'started', round_id: round.round_id, attempt: 1, worker: 'test-worker', at: at() });
    await send({ type: 'finished', round_id: round.round_id, attempt: 1, report: report(round), at: at() });
    await publish(log(round, 'two'), phase(round, 'finished'), end(round));

    const expected = [
      'new → queued',
      'queued → running',
      'coding started',
      'one',
      'two',
      'coding finished',
      'running → succeeded',
    ];
    const followed = await live;
    expect(followed.map(describeEvent)).toEqual(expected);
    const replayed = await stream(round.round_id);
    expect(replayed.map(describeEvent)).toEqual(expected);
    // Each stored entry has an increasing id, the same live and replayed.
    expect(replayed.map((entry) => entry.id)).toEqual(followed.map((entry) => entry.id));
    const ids = replayed.map((entry) => Number(entry.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));

    // Last-Event-ID resumes after the entry it names.
    const resumed = await stream(round.round_id, { lastEventId: replayed[3].id });
    expect(resumed.map(describeEvent)).toEqual(expected.slice(4));
  });

  it('sends the stored history and ends without following when asked, even while the Round runs', async () => {
    const round = await submit();
    await send({ type: 'started', round_id: round.round_id, attempt: 1, worker: 'test-worker', at: at() });
    await publish(phase(round, 'started'), log(round, 'so far'));
    await until(
      async () =>
        (await stream(round.round_id, { query: '?follow=false' })).some((entry) => describeEvent(entry) === 'so far'),
      { what: 'the stored line' },
    );
    expect((await stream(round.round_id, { query: '?follow=false' })).map(describeEvent)).toEqual([
      'new → queued',
      'queued → running',
      'coding started',
      'so far',
    ]);
    expect(
      (await sc.call('GET', `/rounds/${round.round_id}/events`, { headers: { 'last-event-id': 'x' } })).status,
    ).toBe(400);
  });

  it('keeps the first 1000 and the last 1000 log lines of a Round, and says how many were cut between', async () => {
    const round = await submit();
    await send({ type: 'started', round_id: round.round_id, attempt: 1, worker: 'test-worker', at: at() });
    for (let first = 1; first <= 2500; first += 200) {
      await publish(...Array.from({ length: Math.min(200, 2501 - first) }, (_, i) => log(round, `line ${first + i}`)));
    }
    await publish(end(round));
    await send({ type: 'finished', round_id: round.round_id, attempt: 1, report: report(round), at: at() });
    // Read after the end: a follower that was there all along saw every line as it came.
    await until(async () => (await sc.call('GET', `/rounds/${round.round_id}`)).body.state === 'succeeded', {
      what: 'the end',
    });
    const lines = (await stream(round.round_id)).filter((entry) => entry.event.type === 'log').map(describeEvent);
    expect(lines).toHaveLength(2001);
    expect(lines.slice(999, 1002)).toEqual([
      'line 1000',
      '… 500 log lines not kept (a Round keeps its first 1000 and last 1000) …',
      'line 1501',
    ]);
    expect(lines.at(-1)).toBe('line 2500');
  });
});
