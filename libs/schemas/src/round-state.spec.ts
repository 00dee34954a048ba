import {
  assertTransition,
  canTransition,
  IllegalTransitionError,
  isTerminal,
  RoundStates,
  TerminalRoundStates,
} from './round-state';

describe('round-state', () => {
  it.each([
    ['queued', 'running'],
    ['queued', 'cancelled'],
    ['running', 'succeeded'],
    ['running', 'failed'],
    ['running', 'timed_out'],
    ['running', 'cancelled'],
    ['running', 'error'],
    ['running', 'retrying'],
    ['retrying', 'running'],
    ['failed', 'queued'],
    ['running', 'awaiting_review'],
    ['awaiting_review', 'succeeded'],
    ['awaiting_review', 'failed'],
    ['awaiting_review', 'cancelled'],
  ] as const)('allows %s → %s', (from, to) => {
    expect(canTransition(from, to)).toBe(true);
    expect(() => assertTransition(from, to)).not.toThrow();
  });

  it.each([
    ['succeeded', 'running'],
    ['queued', 'succeeded'],
    ['cancelled', 'running'],
    ['running', 'queued'],
    ['running', 'running'],
    ['queued', 'awaiting_review'],
    ['awaiting_review', 'running'],
    ['awaiting_review', 'queued'],
    ['awaiting_review', 'timed_out'],
  ] as const)('refuses %s → %s', (from, to) => {
    expect(canTransition(from, to)).toBe(false);
    expect(() => assertTransition(from, to)).toThrow(IllegalTransitionError);
  });

  it('lets every terminal state be retried and nothing else leave it', () => {
    for (const from of TerminalRoundStates) {
      for (const to of RoundStates) expect(canTransition(from, to)).toBe(to === 'queued');
    }
  });

  it('calls exactly the finished states terminal', () => {
    expect(RoundStates.filter(isTerminal)).toEqual(['succeeded', 'failed', 'timed_out', 'cancelled', 'error']);
  });
});
