import { parseEvent } from '../token-streams/token-stream';
import type { AgentOutputReader } from './agent-output';

/** Codex `exec --json`: the session (thread) id on its `thread.started` line. */
export function createCodexOutputReader(): AgentOutputReader {
  const reader: AgentOutputReader & { sessionId: string | undefined } = {
    sessionId: undefined,
    refusals: [],
    read(line) {
      const event = parseEvent(line);
      if (event?.type === 'thread.started' && typeof event.thread_id === 'string') reader.sessionId = event.thread_id;
    },
  };
  return reader;
}
