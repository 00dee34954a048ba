import type { TokenUsage } from '@sc/schemas';
import { selectBest, type Contestant } from './agent-selection';

const contestant = (name: string, passed: boolean, failedCommands = 0): Contestant => ({
  worktree: {
    agent: { name, model: `${name}-model`, role: 'implementer' },
    path: `/wt/${name}`,
    branch: `feat/x-${name}`,
  },
  passed,
  failedCommands,
  result: passed ? 'passed' : 'failed',
});
const usage = (agent: string, cost_usd: number | null): TokenUsage => ({
  agent,
  model: `${agent}-model`,
  input: 1,
  output: 1,
  cost_usd,
});

describe(selectBest.name, () => {
  it('picks the cheapest passing agent, summing every model of an agent', () => {
    const selection = selectBest(
      [contestant('a', true), contestant('b', true), contestant('c', false)],
      [usage('a', 0.02), usage('b', 0.01), { ...usage('b', 0.005), model: 'side' }, usage('c', 0)],
    );
    expect(selection.winner).toMatchObject({ agent: 'b', cost_usd: 0.015 });
    expect(selection.others.map((other) => [other.agent, other.cost_usd])).toEqual([
      ['a', 0.02],
      ['c', 0],
    ]);
  });

  it('ranks an unknown cost after every known one, and keeps the listed order on a tie', () => {
    expect(
      selectBest([contestant('a', true), contestant('b', true)], [usage('a', null), usage('b', 0.5)]).winner?.agent,
    ).toBe('b');
    expect(
      selectBest([contestant('a', true), contestant('b', true)], [usage('a', 0.1), usage('b', 0.1)]).winner?.agent,
    ).toBe('a');
    expect(selectBest([contestant('a', true), contestant('b', true)], []).winner).toMatchObject({
      agent: 'a',
      cost_usd: 0,
    });
  });

  it('has no winner when none passed', () => {
    expect(selectBest([contestant('a', false, 1), contestant('b', false, 2)], [])).toEqual({
      others: [expect.objectContaining({ agent: 'a' }), expect.objectContaining({ agent: 'b' })],
    });
  });
});
