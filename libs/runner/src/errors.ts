import { RateLimitedError } from '@sc/plugin-sdk';

/** The abort reason of a phase whose `phase_timeout` passed; the runner reports it as status `timeout`. */
export class PhaseTimeoutError extends Error {
  override readonly name = 'PhaseTimeoutError';

  constructor(
    readonly phase: string,
    readonly timeoutMs: number,
  ) {
    super(`phase ${phase} timed out after ${formatMs(timeoutMs)}`);
  }
}

/**
 * The abort reason of a phase stopped because the Round's token usage or cost passed the work-order's
 * `budget`; the runner reports it as status `failure`, its message starting `budget_exceeded`.
 */
export class BudgetExceededError extends Error {
  override readonly name = 'BudgetExceededError';
}

/**
 * A model's rate limit that named no reset time, once it kept answering so: the attempt waits, each time twice as
 * long as the last (the worker counts the waits in the job's `rate_limit_waits`).
 */
export class RateLimitBackoffError extends RateLimitedError {}

/**
 * The abort reason of a phase whose model kept answering with a rate limit without a reset time after the last
 * backoff wait; the runner reports it as status `failure`, its message starting `rate_limited`.
 */
export class RateLimitExhaustedError extends Error {
  override readonly name = 'RateLimitExhaustedError';
}

/** The abort reason of a Round stopped from outside (cancel request, worker shutdown). */
export class RoundCancelledError extends Error {
  override readonly name = 'RoundCancelledError';
}

/** An artifact name that could escape the Round's folder or is not a plain relative path. */
export class InvalidArtifactNameError extends Error {
  override readonly name = 'InvalidArtifactNameError';

  constructor(
    readonly artifactName: string,
    reason: string,
  ) {
    super(`invalid artifact name ${JSON.stringify(artifactName)}: ${reason}`);
  }
}

/** `1500` → `1.5 s`, `1800000` → `30 min`: durations as people write them in messages. */
export function formatMs(ms: number): string {
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000} min`;
  if (ms >= 1000) return `${Math.round(ms / 100) / 10} s`;
  return `${ms} ms`;
}

/** Why a signal aborted, in words: its Error's message, or the string it was aborted with. */
export function reasonOf(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason.message;
  return typeof reason === 'string' ? reason : 'aborted';
}
