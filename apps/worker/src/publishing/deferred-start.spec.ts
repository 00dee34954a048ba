import type { Report, RoundFinishedMessage, RoundMessage, RoundStartedMessage } from '@sc/schemas';
import { DeferredStart } from './deferred-start';

describe(DeferredStart.name, () => {
  const started: RoundStartedMessage = { type: 'started', round_id: 'r1', attempt: 1, worker: 'w1', at: '2026-01-01T00:00:00.000Z' };
  const finished: RoundFinishedMessage = { type: 'finished', round_id: 'r1', attempt: 1, report: { status: 'success' } as Report, at: '2026-01-01T00:00:01.000Z' };

  function recorder() {
    const batches: RoundMessage['type'][][] = [];
    return { batches, send: async (messages: RoundMessage[]) => void batches.push(messages.map((message) => message.type)) };
  }

  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('sends started and finished in one batch when the attempt ends within the delay', async () => {
    const { batches, send } = recorder();
    const start = new DeferredStart(started, send, 100);
    await start.finish(finished);
    await jest.advanceTimersByTimeAsync(1_000);
    expect(batches).toEqual([['started', 'finished']]);
  });

  it('sends started when the delay is up, and finished after it', async () => {
    const { batches, send } = recorder();
    const start = new DeferredStart(started, send, 100);
    await jest.advanceTimersByTimeAsync(99);
    expect(batches).toEqual([]);
    await jest.advanceTimersByTimeAsync(1);
    expect(batches).toEqual([['started']]);
    await start.finish(finished);
    expect(batches).toEqual([['started'], ['finished']]);
  });

  it('sends started once when flushed, before the delay is up', async () => {
    const { batches, send } = recorder();
    const start = new DeferredStart(started, send, 100);
    await Promise.all([start.flush(), start.flush()]);
    await jest.advanceTimersByTimeAsync(1_000);
    expect(batches).toEqual([['started']]);
  });

  it('fails finish when started could not be sent, without an unhandled rejection from the timer', async () => {
    const start = new DeferredStart(started, () => Promise.reject(new Error('redis down')), 100);
    await jest.advanceTimersByTimeAsync(100);
    await expect(start.finish(finished)).rejects.toThrow('redis down');
  });
});
