import { count, isRecord, parseData, raise, zeroCounts, type UsageMeter } from './usage-meter';

/**
 * Anthropic Messages: `message_start` carries `message.usage` (input, cache reads and writes, and the first
 * output count), each `message_delta` the cumulative `usage.output_tokens` (and, in newer API versions, the
 * other counts again). A non-streamed answer has the same `usage` at its top level.
 */
export function createAnthropicUsageMeter(): UsageMeter {
  const counts = zeroCounts();
  const read = (usage: unknown) => {
    if (!isRecord(usage)) return;
    raise(counts, {
      input: count(usage.input_tokens),
      output: count(usage.output_tokens),
      cacheRead: count(usage.cache_read_input_tokens),
      cacheWrite: count(usage.cache_creation_input_tokens),
    });
  };
  return {
    counts,
    event(data) {
      if (!data.includes('"usage"')) return;
      const event = parseData(data);
      if (!isRecord(event)) return;
      if (event.type === 'message_start' && isRecord(event.message)) read(event.message.usage);
      else if (event.type === 'message_delta') read(event.usage);
    },
    json(body) {
      if (isRecord(body)) read(body.usage);
    },
  };
}
