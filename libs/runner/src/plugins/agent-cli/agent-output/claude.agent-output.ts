import { isRecord, parseEvent } from '../token-streams/token-stream';
import { refusalDetail, type AgentOutputReader } from './agent-output';

/**
 * Claude Code's stream-json: `session_id` on its `system`/`init` line (and every other), and the final
 * `result` line's `permission_denials: [{ tool_name, tool_use_id, tool_input }]`.
 */
export function createClaudeOutputReader(): AgentOutputReader {
  const reader: AgentOutputReader & { sessionId: string | undefined } = {
    sessionId: undefined,
    refusals: [],
    read(line) {
      const event = parseEvent(line);
      if (!event) return;
      if (reader.sessionId === undefined && typeof event.session_id === 'string') reader.sessionId = event.session_id;
      if (event.type !== 'result' || !Array.isArray(event.permission_denials)) return;
      for (const denial of event.permission_denials) {
        if (!isRecord(denial)) continue;
        reader.refusals.push({
          tool: typeof denial.tool_name === 'string' && denial.tool_name ? denial.tool_name : 'unknown',
          detail: refusalDetail(denial.tool_input),
        });
      }
    },
  };
  return reader;
}
