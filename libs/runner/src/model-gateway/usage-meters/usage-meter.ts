import type { TokenCounts } from '../../pricing/model-prices';

/**
 * Follows the usage one model call's answer states as it streams. One implementation per API, named
 * `<provider>.usage-meter.ts`; each reads only the fields its API documents for usage, and ignores the rest.
 */
export interface UsageMeter {
  /** Reads one SSE event's data (JSON text); events that cannot hold usage are skipped unparsed. */
  event(data: string): void;
  /** Reads a whole JSON answer (a call made without streaming). */
  json(body: unknown): void;
  /** The call's usage so far: what the answer stated up to now, never less than before. */
  readonly counts: TokenCounts;
}

export function zeroCounts(): TokenCounts {
  return { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 };
}

/** Raises each count of `into` to `next`'s where that is higher: cumulative figures never go down. */
export function raise(into: TokenCounts, next: TokenCounts): void {
  into.input = Math.max(into.input, next.input);
  into.output = Math.max(into.output, next.output);
  into.cacheRead = Math.max(into.cacheRead, next.cacheRead);
  into.cacheWrite = Math.max(into.cacheWrite, next.cacheWrite);
}

/** A token count from an answer: a non-negative integer, or 0 for anything missing or malformed. */
export function count(value: unknown): number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : 0;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The JSON value of an SSE event's data, or undefined when it is not JSON (`[DONE]`, keep-alives). */
export function parseData(data: string): unknown {
  try {
    return JSON.parse(data);
  } catch {
    return undefined;
  }
}
