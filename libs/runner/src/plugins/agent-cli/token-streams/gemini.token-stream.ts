import { countOf, isRecord, maxUsage, noUsage, parseEvent, type TokenStream } from './token-stream';

/**
 * Gemini CLI's `gemini --output-format stream-json`: one event per line (`init`, `message`, `tool_use`,
 * `tool_result`, `error`, `result`; packages/core/src/output/types.ts). Fields read:
 * `{"type":"result","stats":{"input_tokens","output_tokens"}}`, the session's totals, printed once at the
 * end (`stats.cached` is the cached part of `input_tokens`, counted as cache reads). No cost, and no usage before the
 * end: a budget is checked when the run finishes.
 */
export function createGeminiTokenStream(): TokenStream {
  let total = noUsage();
  return {
    read(line) {
      const event = parseEvent(line);
      if (event?.type !== 'result' || !isRecord(event.stats)) return undefined;
      const cached = countOf(event.stats.cached);
      total = maxUsage(total, {
        input: Math.max(0, countOf(event.stats.input_tokens) - cached),
        output: countOf(event.stats.output_tokens),
        cacheRead: cached,
        cacheWrite: 0,
      });
      return { ...total };
    },
  };
}
