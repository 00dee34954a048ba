// A brand instead of `instanceof`: a plugin package may load its own copy of the SDK, whose classes are
// not the worker's, yet its errors must still be recognised.
const rateLimitedBrand = Symbol.for('solar-circuit.plugin-sdk.RateLimitedError');

/**
 * Throw from `handle()` when an upstream API refuses work for now (HTTP 429 and the like). The Round is not
 * failed: the worker puts the job back on the queue for `retryAfterMs` and the Round shows `retrying`.
 */
export class RateLimitedError extends Error {
  override readonly name = 'RateLimitedError';
  readonly [rateLimitedBrand] = true;

  /**
   * @param retryAfterMs how long to wait before the attempt runs again, in milliseconds (>= 0)
   * @param message what limited the plugin, shown in the Round's history
   */
  constructor(
    readonly retryAfterMs: number,
    message = `rate limited; retry after ${retryAfterMs} ms`,
  ) {
    super(message);
    if (!Number.isFinite(retryAfterMs) || retryAfterMs < 0)
      throw new RangeError(`retryAfterMs must be >= 0, got ${retryAfterMs}`);
  }
}

/** Whether `error` is a {@link RateLimitedError}, from this or any other copy of the SDK. */
export function isRateLimitedError(error: unknown): error is RateLimitedError {
  return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[rateLimitedBrand] === true;
}
