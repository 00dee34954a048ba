import { parseEvent } from '../token-streams/token-stream';
import type { AgentOutputReader } from './agent-output';

/** Gemini CLI's stream-json: the session id on its `init` line. */
export function createGeminiOutputReader(): AgentOutputReader {
  const reader: AgentOutputReader & { sessionId: string | undefined } = {
    sessionId: undefined,
    refusals: [],
    read(line) {
      const event = parseEvent(line);
      if (event?.type === 'init' && typeof event.session_id === 'string') reader.sessionId = event.session_id;
    },
  };
  return reader;
}
