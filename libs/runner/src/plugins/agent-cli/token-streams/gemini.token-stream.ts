import { countOf, isRecord, maxUsage, parseEvent, type AgentUsage, type TokenStream } from './token-stream';

/**
 * Gemini CLI's `gemini --output-format stream-json`: one event per line (`init`, `message`, `tool_use`,
 * `tool_result`, `error`, `result`; packages/core/src/output/types.ts). Fields read:
 * `{"type":"result","stats":{"input_tokens","output_tokens"}}`, the session's totals, printed once at the
 * end (`stats.cached` and `stats.input` are a breakdown of `input_tokens`). No cost, and no usage before the
 * end: a budget is checked when the run finishes.
 */
export function createGeminiTokenStream(): TokenStream {
  let total: AgentUsage = { input: 0, output: 0 };
  return {
    read(line) {
      const event = parseEvent(line);
      if (event?.type !== 'result' || !isRecord(event.stats)) return undefined;
      total = maxUsage(total, { input: countOf(event.stats.input_tokens), output: countOf(event.stats.output_tokens) });
      return { ...total };
    },
  };
}
