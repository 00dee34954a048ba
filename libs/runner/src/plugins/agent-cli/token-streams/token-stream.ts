/** An agent's token usage so far in one run: running totals, never per-event deltas. */
export interface AgentUsage {
  /** Every input token the model read, cached ones included. */
  input: number;
  output: number;
  /** What the run cost so far, when the agent's output says (Claude Code does; Codex and Gemini CLI do not). */
  costUsd?: number;
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

/** Component-wise maximum: a run's totals never go down, whichever event reported them. */
export function maxUsage(a: AgentUsage, b: AgentUsage): AgentUsage {
  const usage: AgentUsage = { input: Math.max(a.input, b.input), output: Math.max(a.output, b.output) };
  const costUsd = Math.max(a.costUsd ?? 0, b.costUsd ?? 0);
  if (a.costUsd !== undefined || b.costUsd !== undefined) usage.costUsd = costUsd;
  return usage;
}
