import { rateLimitReset } from './rate-limit-reset';

describe('rateLimitReset', () => {
  const now = Date.parse('2026-12-07T10:00:00Z');

  it.each([
    ['retry-after in seconds', 'anthropic', { 'retry-after': '30' }, '', '2026-12-07T10:00:30.000Z'],
    [
      'retry-after as a date',
      'openai',
      { 'retry-after': 'Mon, 07 Dec 2026 10:05:00 GMT' },
      '',
      '2026-12-07T10:05:00.000Z',
    ],
    [
      'Anthropic reset headers, the latest',
      'anthropic',
      {
        'anthropic-ratelimit-requests-reset': '2026-12-07T10:01:00Z',
        'anthropic-ratelimit-tokens-reset': '2026-12-07T10:02:00Z',
      },
      '',
      '2026-12-07T10:02:00.000Z',
    ],
    [
      'OpenAI reset durations',
      'openai',
      { 'x-ratelimit-reset-requests': '1s', 'x-ratelimit-reset-tokens': '6m0s' },
      '',
      '2026-12-07T10:06:00.000Z',
    ],
    [
      'Gemini RetryInfo',
      'gemini',
      {},
      JSON.stringify({
        error: { code: 429, details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '17s' }] },
      }),
      '2026-12-07T10:00:17.000Z',
    ],
  ] as const)('reads %s', (_what, provider, headers, body, expected) => {
    expect(rateLimitReset(provider, headers, body, now)?.toISOString()).toBe(expected);
  });

  it('says nothing when the answer names no reset', () => {
    expect(rateLimitReset('gemini', {}, 'not json', now)).toBeUndefined();
    expect(rateLimitReset('openai', { 'x-ratelimit-reset-tokens': 'soon' }, '', now)).toBeUndefined();
  });
});
