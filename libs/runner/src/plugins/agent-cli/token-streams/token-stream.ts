/** An agent's token usage so far in one run: running totals, never per-event deltas. */
export interface AgentUsage {
  /** Input tokens neither read from nor written to the prompt cache. */
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

/**
 * Reads an agent's stdout, one line at a time, and follows its token usage. One implementation per output
 * format, named `<agent>.token-stream.ts`. Lines that are not JSON, or not events of the format, are ignored:
 * agents mix progress text into their output.
 */
export interface TokenStream {
  /** The run's usage so far when `line` changed it, otherwise undefined. */
  read(line: string): AgentUsage | undefined;
}

/** The JSON object on `line`, or undefined when the line holds anything else. */
export function parseEvent(line: string): Record<string, unknown> | undefined {
  const text = line.trim();
  if (!text.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return isRecord(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A token count from the stream: a non-negative integer, or 0 for anything missing or malformed. */
export function countOf(value: unknown): number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : 0;
}

/** No usage yet. */
export function noUsage(): AgentUsage {
  return { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 };
}

/** Component-wise sum. */
export function addUsage(a: AgentUsage, b: AgentUsage): AgentUsage {
  return {
    input: a.input + b.input,
    output: a.output + b.output,
    cacheRead: a.cacheRead + b.cacheRead,
    cacheWrite: a.cacheWrite + b.cacheWrite,
  };
}

/** Component-wise maximum: a run's totals never go down, whichever event reported them. */
export function maxUsage(a: AgentUsage, b: AgentUsage): AgentUsage {
  return {
    input: Math.max(a.input, b.input),
    output: Math.max(a.output, b.output),
    cacheRead: Math.max(a.cacheRead, b.cacheRead),
    cacheWrite: Math.max(a.cacheWrite, b.cacheWrite),
  };
}
