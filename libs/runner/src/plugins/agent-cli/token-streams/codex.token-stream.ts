import { countOf, isRecord, noUsage, parseEvent, type TokenStream } from './token-stream';

/**
 * OpenAI Codex CLI's `codex exec --json`: one thread event per line (codex-rs/exec/src/exec_events.rs).
 * Fields read: `{"type":"turn.completed","usage":{"input_tokens","cached_input_tokens","output_tokens"}}`,
 * the usage of one turn, printed when the turn ends; turns are summed. `cached_input_tokens` is the cached
 * part of `input_tokens`, counted as cache reads. Codex prints no cost, and no usage before a turn ends:
 * a budget is checked once per turn.
 */
export function createCodexTokenStream(): TokenStream {
  const total = noUsage();
  return {
    read(line) {
      const event = parseEvent(line);
      if (event?.type !== 'turn.completed' || !isRecord(event.usage)) return undefined;
      const cached = countOf(event.usage.cached_input_tokens);
      total.input += Math.max(0, countOf(event.usage.input_tokens) - cached);
      total.cacheRead += cached;
      total.output += countOf(event.usage.output_tokens);
      return { ...total };
    },
  };
}
