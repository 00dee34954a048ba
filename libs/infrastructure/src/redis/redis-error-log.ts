/** Something that emits a Redis client's errors: an ioredis client, a BullMQ queue or worker. */
export interface ErrorEmitter {
  on(event: 'error', listener: (error: Error) => void): unknown;
}

// Reconnects are retried every second or two while Redis is down: one line per component per interval.
const repeatAfterMs = 30_000;

/**
 * Turns a Redis client's connection errors into one JSON-lines warning per component and interval, instead
 * of a multi-line stack per retry (what ioredis and BullMQ print when an error has no listener).
 */
export function logRedisErrors(
  emitter: ErrorEmitter,
  component: string,
  warn: (fields: Record<string, unknown>, message: string) => void,
): void {
  emitter.on('error', redisErrorWarning(component, warn));
}

/** The listener {@link logRedisErrors} attaches, for an emitter whose listeners are declared (`@OnWorkerEvent('error')`). */
export function redisErrorWarning(
  component: string,
  warn: (fields: Record<string, unknown>, message: string) => void,
): (error: Error) => void {
  let lastAt = 0;
  let lastMessage = '';
  return (error) => {
    const now = Date.now();
    if (error.message === lastMessage && now - lastAt < repeatAfterMs) return;
    lastAt = now;
    lastMessage = error.message;
    warn({ component, err: error.message }, 'redis error (retrying)');
  };
}
