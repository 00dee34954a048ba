import { isRecord, parseEvent } from '../token-streams/token-stream';
import { refusalDetail, type AgentOutputReader } from './agent-output';

// A tool call Gemini CLI refused: by policy (approval mode) or because it was not offered.
const refusalTypes = new Set(['policy_violation', 'tool_not_registered']);

/**
 * Gemini CLI's stream-json: the session id on its `init` line; a refused tool call as a `tool_result` with
 * `status: "error"` and an `error.type` of a refusal (its `tool_use` line names the tool); the run's end as a
 * `result` line. Stopped by a signal it exits 0 without one, so a missing `result` means it did not finish.
 */
export function createGeminiOutputReader(): AgentOutputReader {
  const toolNames = new Map<string, string>();
  let finished = false;
  const reader: AgentOutputReader & { sessionId: string | undefined } = {
    sessionId: undefined,
    refusals: [],
    read(line) {
      const event = parseEvent(line);
      if (!event) return;
      if (event.type === 'init' && typeof event.session_id === 'string') reader.sessionId = event.session_id;
      else if (event.type === 'tool_use' && typeof event.tool_id === 'string' && typeof event.tool_name === 'string')
        toolNames.set(event.tool_id, event.tool_name);
      else if (
        event.type === 'tool_result' &&
        event.status === 'error' &&
        isRecord(event.error) &&
        refusalTypes.has(String(event.error.type))
      ) {
        const tool = (typeof event.tool_id === 'string' && toolNames.get(event.tool_id)) || 'unknown';
        reader.refusals.push({ tool, detail: refusalDetail(event.error.message) });
      } else if (event.type === 'result') finished = true;
    },
    unfinished: () => (finished ? undefined : 'gemini ended without a result: it was stopped or failed before the end'),
  };
  return reader;
}
