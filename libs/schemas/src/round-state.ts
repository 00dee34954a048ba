/** Every state a Round can be in. */
export const RoundStates = [
  'queued',
  'running',
  'retrying',
  'waiting',
  'awaiting_review',
  'succeeded',
  'failed',
  'timed_out',
  'cancelled',
  'error',
] as const;

/** A Round's state. */
export type RoundState = (typeof RoundStates)[number];

/** States a Round does not leave on its own; only a retry starts it again. */
export const TerminalRoundStates: readonly RoundState[] = ['succeeded', 'failed', 'timed_out', 'cancelled', 'error'];

// The legal moves. Terminal → queued is `POST /rounds/:id/retry` (a new attempt); queued → error is a job
// whose payload can never run; running → retrying covers a worker lost mid-round or stopped; running → waiting
// a model's rate or usage limit: the attempt resumes at the limit's reset, its job delayed until then;
// running → awaiting_review the review gate (`review.required`): approve, reject or its timeout ends the Round.
const transitions: Readonly<Record<RoundState, readonly RoundState[]>> = {
  queued: ['running', 'cancelled', 'error'],
  running: ['succeeded', 'failed', 'timed_out', 'cancelled', 'error', 'retrying', 'waiting', 'awaiting_review'],
  retrying: ['running', 'cancelled', 'error'],
  waiting: ['running', 'cancelled', 'error'],
  awaiting_review: ['succeeded', 'failed', 'cancelled'],
  succeeded: ['queued'],
  failed: ['queued'],
  timed_out: ['queued'],
  cancelled: ['queued'],
  error: ['queued'],
};

/** Thrown by {@link assertTransition} for a move the state machine does not allow; the API answers 409. */
export class IllegalTransitionError extends Error {
  constructor(
    readonly from: RoundState,
    readonly to: RoundState,
  ) {
    super(`illegal transition ${from} → ${to}`);
    this.name = 'IllegalTransitionError';
  }
}

/** True when a Round in `state` has finished (successfully or not). */
export function isTerminal(state: RoundState): boolean {
  return TerminalRoundStates.includes(state);
}

/** True when the state machine allows `from → to`. */
export function canTransition(from: RoundState, to: RoundState): boolean {
  return transitions[from].includes(to);
}

/** Throws {@link IllegalTransitionError} unless `from → to` is legal. */
export function assertTransition(from: RoundState, to: RoundState): void {
  if (!canTransition(from, to)) throw new IllegalTransitionError(from, to);
}

/** True when `value` names a Round state (for query strings and stored rows). */
export function isRoundState(value: unknown): value is RoundState {
  return typeof value === 'string' && (RoundStates as readonly string[]).includes(value);
}
