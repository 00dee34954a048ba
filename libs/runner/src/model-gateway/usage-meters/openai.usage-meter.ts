import { count, isRecord, parseData, raise, zeroCounts, type UsageMeter } from './usage-meter';

const finalEvents = new Set(['response.completed', 'response.incomplete', 'response.failed']);

/**
 * OpenAI Responses: the usage is in the final event (`response.completed`, or `.incomplete`/`.failed`),
 * `response.usage` with `input_tokens` (cached ones included, `input_tokens_details.cached_tokens` of them)
 * and `output_tokens` (reasoning included). A non-streamed answer has `usage` at its top level. The API states
 * nothing before the end, so a call cut off mid-stream counts nothing.
 */
export function createOpenAIUsageMeter(): UsageMeter {
  const counts = zeroCounts();
  const read = (usage: unknown) => {
    if (!isRecord(usage)) return;
    const details = isRecord(usage.input_tokens_details) ? usage.input_tokens_details : {};
    const cached = count(details.cached_tokens);
    raise(counts, {
      input: Math.max(0, count(usage.input_tokens) - cached),
      output: count(usage.output_tokens),
      cacheRead: cached,
      cacheWrite: 0,
    });
  };
  return {
    counts,
    event(data) {
      if (!data.includes('"usage"')) return;
      const event = parseData(data);
      if (isRecord(event) && typeof event.type === 'string' && finalEvents.has(event.type) && isRecord(event.response))
        read(event.response.usage);
    },
    json(body) {
      if (isRecord(body)) read(body.usage);
    },
  };
}
