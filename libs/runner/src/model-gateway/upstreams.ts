import type { ModelProvider } from '@sc/plugin-sdk';
import { bearer, codexConfigUpstream, openaiDefaultBaseUrl } from './codex-config';

/** Where the gateway forwards one provider's calls, and the credentials it adds to them. */
export interface Upstream {
  /** The base URL the CLI would have used; the path after the route's prefix is appended to it. */
  baseUrl: URL;
  /** Authentication headers added to every forwarded call (none when the worker has no key). */
  headers: Record<string, string>;
  /** Query parameters set on every forwarded call (a Codex provider's `query_params`, e.g. Azure's `api-version`). */
  query?: Record<string, string>;
}

export type Upstreams = Record<ModelProvider, Upstream>;

/**
 * The upstreams of the worker's own environment — the variables each CLI reads itself, with the vendor's
 * default where a base URL is unset: `ANTHROPIC_BASE_URL` + `ANTHROPIC_API_KEY` (or `ANTHROPIC_AUTH_TOKEN`
 * as a bearer token), `GOOGLE_GEMINI_BASE_URL` + `GEMINI_API_KEY` (or `GOOGLE_API_KEY`), and for OpenAI
 * {@link openaiUpstream}. Throws one line naming the variable (or the Codex config file and its key) when a
 * value cannot be followed.
 */
export function loadUpstreams(env: NodeJS.ProcessEnv = process.env): Upstreams {
  const anthropicHeaders: Record<string, string> = {};
  if (env.ANTHROPIC_API_KEY) anthropicHeaders['x-api-key'] = env.ANTHROPIC_API_KEY;
  else if (env.ANTHROPIC_AUTH_TOKEN) anthropicHeaders.authorization = `Bearer ${env.ANTHROPIC_AUTH_TOKEN}`;
  const geminiKey = env.GEMINI_API_KEY || env.GOOGLE_API_KEY;
  return {
    anthropic: { baseUrl: baseUrl(env, 'ANTHROPIC_BASE_URL', 'https://api.anthropic.com'), headers: anthropicHeaders },
    openai: openaiUpstream(env),
    gemini: {
      baseUrl: baseUrl(env, 'GOOGLE_GEMINI_BASE_URL', 'https://generativelanguage.googleapis.com'),
      headers: geminiKey ? { 'x-goog-api-key': geminiKey } : {},
    },
  };
}

/**
 * Where Codex's calls go, in this order: `OPENAI_BASE_URL` (with `OPENAI_API_KEY`) when the worker's environment
 * sets it — an operator's explicit choice, though Codex 0.17x itself ignores the variable, so the Codex config
 * is not read then; else the provider of the user's Codex `config.toml` ({@link codexConfigUpstream}); else the
 * vendor's API with `OPENAI_API_KEY`.
 */
function openaiUpstream(env: NodeJS.ProcessEnv): Upstream {
  if (env.OPENAI_BASE_URL)
    return { baseUrl: baseUrl(env, 'OPENAI_BASE_URL', openaiDefaultBaseUrl), headers: bearer(env.OPENAI_API_KEY) };
  return codexConfigUpstream(env) ?? { baseUrl: new URL(openaiDefaultBaseUrl), headers: bearer(env.OPENAI_API_KEY) };
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
