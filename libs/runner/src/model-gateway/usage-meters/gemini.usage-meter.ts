import { count, isRecord, parseData, raise, zeroCounts, type UsageMeter } from './usage-meter';

/**
 * Gemini `generateContent` / `streamGenerateContent`: each chunk may carry `usageMetadata` with the
 * cumulative `promptTokenCount` (cached ones included, `cachedContentTokenCount` of them),
 * `toolUsePromptTokenCount`, `candidatesTokenCount` and `thoughtsTokenCount` (billed as output). Without
 * `alt=sse` the stream is one JSON array of chunks.
 */
export function createGeminiUsageMeter(): UsageMeter {
  const counts = zeroCounts();
  const read = (chunk: unknown) => {
    if (Array.isArray(chunk)) return chunk.forEach(read);
    if (!isRecord(chunk) || !isRecord(chunk.usageMetadata)) return;
    const usage = chunk.usageMetadata;
    const cached = count(usage.cachedContentTokenCount);
    raise(counts, {
      input: Math.max(0, count(usage.promptTokenCount) - cached) + count(usage.toolUsePromptTokenCount),
      output: count(usage.candidatesTokenCount) + count(usage.thoughtsTokenCount),
      cacheRead: cached,
      cacheWrite: 0,
    });
  };
  return {
    counts,
    event: (data) => data.includes('"usageMetadata"') && read(parseData(data)),
    json: read,
  };
}
