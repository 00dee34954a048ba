import type { ModelProvider } from '@sc/plugin-sdk';
import type { IncomingHttpHeaders } from 'node:http';

/** HTTP statuses that say "too many requests" or "overloaded" rather than "wrong request". */
export const rateLimitStatuses = new Set([429, 529]);

/**
 * When the limit behind a rate-limit answer resets, as the answer says: `retry-after` (seconds or an HTTP
 * date), else Anthropic's `anthropic-ratelimit-*-reset` (RFC 3339 times), OpenAI's `x-ratelimit-reset-*`
 * (durations such as `6m0s`), or Gemini's `RetryInfo.retryDelay` in the error body (`"17s"`); the latest of
 * what it names. Undefined when it names none.
 */
export function rateLimitReset(
  provider: ModelProvider,
  headers: IncomingHttpHeaders,
  body: string,
  now = Date.now(),
): Date | undefined {
  const retryAfter = header(headers, 'retry-after');
  if (retryAfter !== undefined) {
    const at = /^\d+(\.\d+)?$/.test(retryAfter) ? now + Number(retryAfter) * 1000 : Date.parse(retryAfter);
    if (Number.isFinite(at)) return new Date(at);
  }
  const times: number[] = [];
  if (provider === 'anthropic') {
    for (const [name, value] of Object.entries(headers))
      if (/^anthropic-ratelimit-.*-reset$/.test(name) && typeof value === 'string') times.push(Date.parse(value));
  } else if (provider === 'openai') {
    for (const [name, value] of Object.entries(headers))
      if (/^x-ratelimit-reset-/.test(name) && typeof value === 'string') times.push(now + durationMs(value));
  } else {
    for (const delay of retryDelays(body)) times.push(now + durationMs(delay));
  }
  const valid = times.filter((time) => Number.isFinite(time));
  return valid.length > 0 ? new Date(Math.max(...valid)) : undefined;
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** `1h2m3.5s`, `20ms`, `17s` → milliseconds; NaN for anything else. */
function durationMs(text: string): number {
  const parts = /^(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+(?:\.\d+)?)s)?(?:(\d+)ms)?$/.exec(text.trim());
  if (!parts || text.trim() === '') return Number.NaN;
  const [, hours, minutes, seconds, millis] = parts;
  return (Number(hours ?? 0) * 3600 + Number(minutes ?? 0) * 60 + Number(seconds ?? 0)) * 1000 + Number(millis ?? 0);
}

/** The `retryDelay`s of a Gemini error body's `RetryInfo` details. */
function retryDelays(body: string): string[] {
  try {
    const details: unknown = (JSON.parse(body) as { error?: { details?: unknown } }).error?.details;
    if (!Array.isArray(details)) return [];
    return details.flatMap((detail: unknown) => {
      const record = detail as Record<string, unknown> | null;
      const type = record?.['@type'];
      return typeof type === 'string' && type.endsWith('RetryInfo') && typeof record?.retryDelay === 'string'
        ? [record.retryDelay]
        : [];
    });
  } catch {
    return [];
  }
}
