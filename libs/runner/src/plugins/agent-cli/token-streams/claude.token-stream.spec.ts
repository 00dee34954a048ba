import { createClaudeTokenStream } from './claude.token-stream';

const assistant = (id: string, usage: Record<string, number>) =>
  JSON.stringify({
    type: 'assistant',
    message: {
      id,
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-5',
      content: [{ type: 'text', text: 'hi' }],
      usage,
    },
    session_id: 's',
  });

describe('createClaudeTokenStream', () => {
  it('counts each assistant message once, by id, with cache reads and writes apart', () => {
    const stream = createClaudeTokenStream();
    expect(
      stream.read(JSON.stringify({ type: 'system', subtype: 'init', model: 'claude-sonnet-4-5', session_id: 's' })),
    ).toBeUndefined();
    expect(
      stream.read(
        assistant('msg_1', {
          input_tokens: 3,
          cache_creation_input_tokens: 100,
          cache_read_input_tokens: 10,
          output_tokens: 5,
        }),
      ),
    ).toEqual({ input: 3, output: 5, cacheRead: 10, cacheWrite: 100 });
    // The same message again (its next content block), its output grown: replaces, never adds.
    expect(
      stream.read(
        assistant('msg_1', {
          input_tokens: 3,
          cache_creation_input_tokens: 100,
          cache_read_input_tokens: 10,
          output_tokens: 9,
        }),
      ),
    ).toEqual({ input: 3, output: 9, cacheRead: 10, cacheWrite: 100 });
    expect(stream.read(assistant('msg_2', { input_tokens: 1, output_tokens: 1 }))).toEqual({
      input: 4,
      output: 10,
      cacheRead: 10,
      cacheWrite: 100,
    });
  });

  it('takes the totals of the result event, not its total_cost_usd (which includes side calls)', () => {
    const stream = createClaudeTokenStream();
    stream.read(assistant('msg_1', { input_tokens: 3, output_tokens: 5 }));
    const result = {
      type: 'result',
      subtype: 'success',
      is_error: false,
      num_turns: 2,
      result: 'done',
      total_cost_usd: 0.0421,
      usage: { input_tokens: 10, cache_read_input_tokens: 90, output_tokens: 40 },
    };
    expect(stream.read(JSON.stringify(result))).toEqual({ input: 10, output: 40, cacheRead: 90, cacheWrite: 0 });
  });

  it('never goes down when the result reports less than the messages did', () => {
    const stream = createClaudeTokenStream();
    stream.read(assistant('msg_1', { input_tokens: 50, output_tokens: 50 }));
    expect(stream.read(JSON.stringify({ type: 'result', usage: { input_tokens: 10, output_tokens: 60 } }))).toEqual({
      input: 50,
      output: 60,
      cacheRead: 0,
      cacheWrite: 0,
    });
  });

  it.each([
    'plain progress text',
    '{not json',
    JSON.stringify({ type: 'user', message: { content: [] } }),
    JSON.stringify({ type: 'assistant', message: {} }),
    '[1,2]',
  ])('ignores %s', (line) => expect(createClaudeTokenStream().read(line)).toBeUndefined());

  it('reads malformed counts as 0', () => {
    expect(createClaudeTokenStream().read(assistant('m', { input_tokens: -4, output_tokens: 1.5 }))).toEqual({
      input: 0,
      output: 0,
      cacheRead: 0,
      cacheWrite: 0,
    });
  });
});
