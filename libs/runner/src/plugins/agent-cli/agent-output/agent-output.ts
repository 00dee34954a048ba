import type { ToolRefusal } from '@sc/schemas';

/**
 * Reads a built-in CLI's stdout, one line at a time, for what the Round must know besides tokens (those
 * the model gateway counts): the session it ran, and the tool calls the CLI refused. One implementation per
 * CLI, named `<agent>.agent-output.ts`; lines of any other shape are ignored.
 */
export interface AgentOutputReader {
  read(line: string): void;
  /** Reads one line of stderr, for a CLI that reports refusals only there. */
  readStderr?(line: string): void;
  /** The CLI's session id, once it printed one. */
  readonly sessionId: string | undefined;
  /** The tool calls it refused, in order. */
  readonly refusals: Omit<ToolRefusal, 'agent'>[];
  /** Why a run that exited 0 did not finish its work, for a CLI whose exit code does not say so. */
  unfinished?(): string | undefined;
}

// A refusal's detail is cut to the Report's limit.
const maxDetailChars = 2_000;

export function refusalDetail(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > maxDetailChars ? `${text.slice(0, maxDetailChars - 1)}…` : text;
}
