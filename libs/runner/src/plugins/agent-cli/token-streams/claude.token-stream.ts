import { countOf, isRecord, maxUsage, parseEvent, type AgentUsage, type TokenStream } from './token-stream';

/**
 * Claude Code's `claude -p … --output-format stream-json --verbose`: one JSON event per line.
 * Fields read (as Claude Code prints them):
 * - `{"type":"assistant","message":{"id","usage":{"input_tokens","cache_creation_input_tokens",
 *   "cache_read_input_tokens","output_tokens"}}}` — one line per content block, so one message id can
 *   appear several times with the same (or a growing) usage: the last usage of each id counts.
 * - `{"type":"result","usage":{…same fields…},"total_cost_usd"}` — the session's totals and its cost in USD,
 *   printed once at the end.
 * Input counts cache writes and reads too: they are tokens the model read, and they are billed.
 */
export function createClaudeTokenStream(): TokenStream {
  const byMessage = new Map<string, AgentUsage>();
  let withoutId: AgentUsage = { input: 0, output: 0 };
  let final: AgentUsage | undefined;

  const running = (): AgentUsage => {
    let sum = { ...withoutId };
    for (const usage of byMessage.values()) sum = { input: sum.input + usage.input, output: sum.output + usage.output };
    return final ? maxUsage(sum, final) : sum;
  };

  return {
    read(line) {
      const event = parseEvent(line);
      if (event?.type === 'assistant' && isRecord(event.message) && isRecord(event.message.usage)) {
        const usage = countsOf(event.message.usage);
        const id = event.message.id;
        if (typeof id === 'string') byMessage.set(id, usage);
        else withoutId = { input: withoutId.input + usage.input, output: withoutId.output + usage.output };
        return running();
      }
      if (event?.type === 'result' && isRecord(event.usage)) {
        const cost = event.total_cost_usd;
        final = { ...countsOf(event.usage), ...(typeof cost === 'number' && Number.isFinite(cost) && cost >= 0 ? { costUsd: cost } : {}) };
        return running();
      }
      return undefined;
    },
  };
}

function countsOf(usage: Record<string, unknown>): AgentUsage {
  return {
    input: countOf(usage.input_tokens) + countOf(usage.cache_creation_input_tokens) + countOf(usage.cache_read_input_tokens),
    output: countOf(usage.output_tokens),
  };
}
