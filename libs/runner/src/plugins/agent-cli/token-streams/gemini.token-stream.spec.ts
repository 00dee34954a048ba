import { createGeminiTokenStream } from './gemini.token-stream';

describe('createGeminiTokenStream', () => {
  it('takes the totals of the result event stats', () => {
    const stream = createGeminiTokenStream();
    expect(
      stream.read(
        JSON.stringify({
          type: 'init',
          timestamp: '2025-10-10T12:00:00.000Z',
          session_id: 's',
          model: 'gemini-2.5-pro',
        }),
      ),
    ).toBeUndefined();
    expect(
      stream.read(
        JSON.stringify({
          type: 'message',
          timestamp: '2025-10-10T12:00:01.000Z',
          role: 'assistant',
          content: 'Hi',
          delta: true,
        }),
      ),
    ).toBeUndefined();
    const result = {
      type: 'result',
      timestamp: '2025-10-10T12:00:05.000Z',
      status: 'success',
      stats: {
        total_tokens: 350,
        input_tokens: 300,
        output_tokens: 50,
        cached: 100,
        input: 200,
        duration_ms: 4000,
        tool_calls: 1,
      },
    };
    expect(stream.read(JSON.stringify(result))).toEqual({ input: 200, output: 50, cacheRead: 100, cacheWrite: 0 });
  });

  it('ignores a result without stats and a Claude-style result', () => {
    const stream = createGeminiTokenStream();
    expect(
      stream.read(JSON.stringify({ type: 'result', status: 'error', error: { type: 'Error', message: 'x' } })),
    ).toBeUndefined();
    expect(
      stream.read(JSON.stringify({ type: 'result', usage: { input_tokens: 1, output_tokens: 1 } })),
    ).toBeUndefined();
  });
});
