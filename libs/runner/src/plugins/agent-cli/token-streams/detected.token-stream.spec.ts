import { createDetectedTokenStream } from './detected.token-stream';

describe('createDetectedTokenStream', () => {
  it.each([
    [
      'Claude Code',
      JSON.stringify({ type: 'result', usage: { input_tokens: 7, output_tokens: 3 }, total_cost_usd: 0.01 }),
      { input: 7, output: 3, cacheRead: 0, cacheWrite: 0 },
    ],
    [
      'Codex',
      JSON.stringify({ type: 'turn.completed', usage: { input_tokens: 7, cached_input_tokens: 0, output_tokens: 3 } }),
      { input: 7, output: 3, cacheRead: 0, cacheWrite: 0 },
    ],
    [
      'Gemini CLI',
      JSON.stringify({ type: 'result', status: 'success', stats: { input_tokens: 7, output_tokens: 3 } }),
      { input: 7, output: 3, cacheRead: 0, cacheWrite: 0 },
    ],
  ])('reads the %s format', (_format, line, usage) => {
    expect(createDetectedTokenStream().read(line)).toEqual(usage);
  });

  it('keeps to the first format that reported usage', () => {
    const stream = createDetectedTokenStream();
    stream.read(JSON.stringify({ type: 'turn.completed', usage: { input_tokens: 5, output_tokens: 5 } }));
    expect(
      stream.read(JSON.stringify({ type: 'result', usage: { input_tokens: 100, output_tokens: 100 } })),
    ).toBeUndefined();
    expect(
      stream.read(JSON.stringify({ type: 'turn.completed', usage: { input_tokens: 1, output_tokens: 1 } })),
    ).toEqual({ input: 6, output: 6, cacheRead: 0, cacheWrite: 0 });
  });
});
