import {
  addUsage,
  countOf,
  isRecord,
  maxUsage,
  noUsage,
  parseEvent,
  type AgentUsage,
  type TokenStream,
} from './token-stream';

/**
 * Claude Code's `claude -p … --output-format stream-json --verbose`: one JSON event per line.
 * Fields read (as Claude Code prints them):
 * - `{"type":"assistant","message":{"id","usage":{"input_tokens","cache_creation_input_tokens",
 *   "cache_read_input_tokens","output_tokens"}}}` — one line per content block, so one message id can
 *   appear several times with the same (or a growing) usage: the last usage of each id counts.
 * - `{"type":"result","usage":{…same fields…}}` — the session's totals, printed once at the end. Its
 *   `total_cost_usd` is not read: it includes side calls that `usage` leaves out, so the Round prices the
 *   tokens from its table instead, and tokens and cost agree.
 * Cache reads and writes are counted apart from the other input: they are priced differently.
 */
export function createClaudeTokenStream(): TokenStream {
  const byMessage = new Map<string, AgentUsage>();
  let withoutId = noUsage();
  let final: AgentUsage | undefined;

  const running = (): AgentUsage => {
    let sum = { ...withoutId };
    for (const usage of byMessage.values()) sum = addUsage(sum, usage);
    return final ? maxUsage(sum, final) : sum;
  };

  return {
    read(line) {
      const event = parseEvent(line);
      if (event?.type === 'assistant' && isRecord(event.message) && isRecord(event.message.usage)) {
        const usage = countsOf(event.message.usage);
        const id = event.message.id;
        if (typeof id === 'string') byMessage.set(id, usage);
        else withoutId = addUsage(withoutId, usage);
        return running();
      }
      if (event?.type === 'result' && isRecord(event.usage)) {
        final = countsOf(event.usage);
        return running();
      }
      return undefined;
    },
  };
}

function countsOf(usage: Record<string, unknown>): AgentUsage {
  return {
    input: countOf(usage.input_tokens),
    output: countOf(usage.output_tokens),
    cacheRead: countOf(usage.cache_read_input_tokens),
    cacheWrite: countOf(usage.cache_creation_input_tokens),
  };
}
