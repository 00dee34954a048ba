/**
 * `promise`, or a rejection naming `what` after `ms`. A Redis command queued on a connection that is
 * down (or half-open) can wait forever; callers that must answer (an HTTP request, a scrape) bound it.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
