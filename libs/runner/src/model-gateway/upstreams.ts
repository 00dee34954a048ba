import type { ModelProvider } from '@sc/plugin-sdk';

/** Where the gateway forwards one provider's calls, and the credentials it adds to them. */
export interface Upstream {
  /** The base URL the CLI would have used; the path after the route's prefix is appended to it. */
  baseUrl: URL;
  /** Authentication headers added to every forwarded call (none when the worker has no key). */
  headers: Record<string, string>;
}

export type Upstreams = Record<ModelProvider, Upstream>;

/**
 * The upstreams of the worker's own environment — the variables each CLI reads itself, with the vendor's
 * default where a base URL is unset: `ANTHROPIC_BASE_URL` + `ANTHROPIC_API_KEY` (or `ANTHROPIC_AUTH_TOKEN`
 * as a bearer token), `OPENAI_BASE_URL` + `OPENAI_API_KEY`, `GOOGLE_GEMINI_BASE_URL` + `GEMINI_API_KEY`
 * (or `GOOGLE_API_KEY`). Throws one line naming the variable when a base URL is not an http(s) URL.
 */
export function loadUpstreams(env: NodeJS.ProcessEnv = process.env): Upstreams {
  const anthropicHeaders: Record<string, string> = {};
  if (env.ANTHROPIC_API_KEY) anthropicHeaders['x-api-key'] = env.ANTHROPIC_API_KEY;
  else if (env.ANTHROPIC_AUTH_TOKEN) anthropicHeaders.authorization = `Bearer ${env.ANTHROPIC_AUTH_TOKEN}`;
  const geminiKey = env.GEMINI_API_KEY || env.GOOGLE_API_KEY;
  return {
    anthropic: { baseUrl: baseUrl(env, 'ANTHROPIC_BASE_URL', 'https://api.anthropic.com'), headers: anthropicHeaders },
    openai: {
      baseUrl: baseUrl(env, 'OPENAI_BASE_URL', 'https://api.openai.com/v1'),
      headers: env.OPENAI_API_KEY ? { authorization: `Bearer ${env.OPENAI_API_KEY}` } : {},
    },
    gemini: {
      baseUrl: baseUrl(env, 'GOOGLE_GEMINI_BASE_URL', 'https://generativelanguage.googleapis.com'),
      headers: geminiKey ? { 'x-goog-api-key': geminiKey } : {},
    },
  };
}

function baseUrl(env: NodeJS.ProcessEnv, name: string, fallback: string): URL {
  const value = env[name] || fallback;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`${name}: expected an http(s) URL, got ${JSON.stringify(value)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new Error(`${name}: expected an http(s) URL, got ${JSON.stringify(value)}`);
  return url;
}
