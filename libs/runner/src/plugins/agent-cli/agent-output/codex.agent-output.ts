import { parseEvent } from '../token-streams/token-stream';
import { refusalDetail, type AgentOutputReader } from './agent-output';

// Codex logs a tool call it refused on stderr only (`--json` has no event for it):
// `ERROR codex_core::tools::router: error=patch rejected: writing is blocked by read-only sandbox; …`
const refusedLine = /codex_core::tools::router: error=((patch rejected|[^:]*rejected)[^\n]*)/;

/** Codex `exec --json`: the session (thread) id on its `thread.started` line; refused tool calls on stderr. */
export function createCodexOutputReader(): AgentOutputReader {
  const reader: AgentOutputReader & { sessionId: string | undefined } = {
    sessionId: undefined,
    refusals: [],
    read(line) {
      const event = parseEvent(line);
      if (event?.type === 'thread.started' && typeof event.thread_id === 'string') reader.sessionId = event.thread_id;
    },
    readStderr(line) {
      const refused = refusedLine.exec(line);
      if (refused)
        reader.refusals.push({
          tool: refused[2].startsWith('patch') ? 'apply_patch' : 'tool',
          detail: refusalDetail(refused[1]),
        });
    },
  };
  return reader;
}
