import { parseLedger } from './attempt-ledgers';

describe('parseLedger', () => {
  it('reads the counts and cost of each agent and model, and skips fields of another shape', () => {
    const hash = {
      'claude\u0000claude-sonnet-4-5\u0000input': '120',
      'claude\u0000claude-sonnet-4-5\u0000cache_read': '30',
      'claude\u0000claude-sonnet-4-5\u0000cost_usd': '0.0042',
      'codex\u0000gpt-5.5\u0000output': '7',
      'codex\u0000gpt-5.5\u0000bogus': '1',
      'codex\u0000gpt-5.5\u0000input': 'not a number',
      'stray field': '3',
    };
    expect(parseLedger(hash)).toEqual([
      {
        agent: 'claude',
        model: 'claude-sonnet-4-5',
        input: 120,
        output: 0,
        cache_read: 30,
        cache_write: 0,
        cost_usd: 0.0042,
      },
      { agent: 'codex', model: 'gpt-5.5', input: 0, output: 7, cache_read: 0, cache_write: 0, cost_usd: null },
    ]);
  });
});
