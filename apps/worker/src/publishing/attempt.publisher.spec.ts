import {
  MaxEventsPerJob,
  type LogEvent,
  type PhaseEvent,
  type Report,
  type RoundMessage,
  type WorkerEvent,
  type WorkOrderJob,
} from '@sc/schemas';
import { AttemptPublisher } from './attempt.publisher';

describe(AttemptPublisher.name, () => {
  const job = { round_id: 'r1', workorder_id: 'wo1', attempt: 1 } as WorkOrderJob;
  const report = { round_id: 'r1', attempt: 1, status: 'success' } as Report;
  const phase = (state: 'started' | 'finished'): PhaseEvent => ({
    type: 'phase',
    round_id: 'r1',
    attempt: 1,
    phase: 'coding',
    state,
    at: '2026-01-01T00:00:00.000Z',
  });
  const log = {
    type: 'log',
    round_id: 'r1',
    attempt: 1,
    level: 'info',
    message: 'hello',
    at: '2026-01-01T00:00:00.000Z',
  } as LogEvent;

  function recorder(failMessages = false) {
    const sent: string[][] = [];
    return {
      sent,
      senders: {
        messages: async (messages: RoundMessage[]) => {
          sent.push(
            messages.map(
              (message) =>
                `message:${message.type}${message.type === 'finished' && message.events ? ` with ${message.events.map(describe).join(', ')}` : ''}`,
            ),
          );
          if (failMessages) throw new Error('redis down');
        },
        events: async (events: WorkerEvent[]) => void sent.push(events.map((event) => `event:${describe(event)}`)),
      },
    };
  }

  const describe = (event: WorkerEvent) => (event.type === 'phase' ? `phase ${event.state}` : event.type);

  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('sends started, then finished carrying every event, in one batch when the attempt ends within the hold', async () => {
    const { sent, senders } = recorder();
    const publisher = new AttemptPublisher(job, 'w1', senders, 100);
    publisher.event(phase('started'));
    publisher.event(log);
    publisher.event(phase('finished'));
    expect(sent).toEqual([]);
    await publisher.finish(report);
    await jest.advanceTimersByTimeAsync(1_000);
    expect(sent).toEqual([['message:started', 'message:finished with phase started, log, phase finished, end']]);
  });

  it('sends nothing more once abandoned (its lock lapsed), held events included', async () => {
    const { sent, senders } = recorder();
    const held = new AttemptPublisher(job, 'w1', senders, 100);
    held.event(log);
    held.abandon();
    held.event(phase('finished'));
    await held.finish(report);
    await jest.advanceTimersByTimeAsync(1_000);
    expect(sent).toEqual([]);

    const started = new AttemptPublisher(job, 'w1', senders, 100);
    await started.flush();
    started.abandon();
    started.event(log);
    await started.finish(report);
    expect(sent).toEqual([['message:started']]);
  });

  it('sends held events that would make the Report job large on the events queue instead', async () => {
    const { sent, senders } = recorder();
    const publisher = new AttemptPublisher(job, 'w1', senders, 100);
    publisher.event({ ...log, message: 'x'.repeat(70 * 1024) });
    publisher.event(phase('finished'));
    await publisher.finish(report);
    expect(sent).toEqual([
      ['message:started', 'message:finished'],
      ['event:log', 'event:phase finished', 'event:end'],
    ]);
  });

  it(`sends more than ${MaxEventsPerJob - 1} held events on the events queue`, async () => {
    const { sent, senders } = recorder();
    const publisher = new AttemptPublisher(job, 'w1', senders, 100);
    for (let i = 0; i < MaxEventsPerJob; i++) publisher.event(log);
    await publisher.finish(report);
    expect(sent[0]).toEqual(['message:started', 'message:finished']);
    expect(sent[1]).toHaveLength(MaxEventsPerJob + 1);
  });

  it('sends started and the held events when the hold is up, later events as they come, finished after started', async () => {
    const { sent, senders } = recorder();
    const publisher = new AttemptPublisher(job, 'w1', senders, 100);
    publisher.event(phase('started'));
    await jest.advanceTimersByTimeAsync(99);
    expect(sent).toEqual([]);
    await jest.advanceTimersByTimeAsync(1);
    expect(sent).toEqual([['message:started'], ['event:phase started']]);
    publisher.event(log);
    await publisher.finish(report);
    expect(sent).toEqual([
      ['message:started'],
      ['event:phase started'],
      ['event:log'],
      ['event:end'],
      ['message:finished'],
    ]);
  });

  it('sends started once when flushed before the hold is up', async () => {
    const { sent, senders } = recorder();
    const publisher = new AttemptPublisher(job, 'w1', senders, 100);
    await Promise.all([publisher.flush(), publisher.flush()]);
    await jest.advanceTimersByTimeAsync(1_000);
    expect(sent).toEqual([['message:started']]);
  });

  it('fails finish when started could not be sent, without an unhandled rejection from the timer', async () => {
    const { senders } = recorder(true);
    const publisher = new AttemptPublisher(job, 'w1', senders, 100);
    await jest.advanceTimersByTimeAsync(100);
    await expect(publisher.finish(report)).rejects.toThrow('redis down');
  });
});
