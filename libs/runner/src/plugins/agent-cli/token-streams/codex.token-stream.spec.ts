import { createCodexTokenStream } from './codex.token-stream';

describe('createCodexTokenStream', () => {
  it('sums the usage of each turn.completed, cached input as cache reads', () => {
    const stream = createCodexTokenStream();
    expect(
      stream.read(JSON.stringify({ type: 'thread.started', thread_id: '0199a213-81c0-7800-8aa1-bbab2a035a53' })),
    ).toBeUndefined();
    expect(stream.read(JSON.stringify({ type: 'turn.started' }))).toBeUndefined();
    expect(
      stream.read(
        JSON.stringify({ type: 'item.completed', item: { id: 'item_0', type: 'agent_message', text: 'done' } }),
      ),
    ).toBeUndefined();
    expect(
      stream.read(
        JSON.stringify({
          type: 'turn.completed',
          usage: { input_tokens: 1200, cached_input_tokens: 1000, output_tokens: 30 },
        }),
      ),
    ).toEqual({ input: 200, output: 30, cacheRead: 1000, cacheWrite: 0 });
    expect(
      stream.read(
        JSON.stringify({
          type: 'turn.completed',
          usage: { input_tokens: 800, cached_input_tokens: 0, output_tokens: 20 },
        }),
      ),
    ).toEqual({ input: 1000, output: 50, cacheRead: 1000, cacheWrite: 0 });
  });

  it('ignores a failed turn and non-JSON lines', () => {
    const stream = createCodexTokenStream();
    expect(stream.read(JSON.stringify({ type: 'turn.failed', error: { message: 'boom' } }))).toBeUndefined();
    expect(stream.read('Reading prompt from stdin...')).toBeUndefined();
  });
});
