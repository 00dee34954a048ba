import { readFileSync } from 'node:fs';
import { validateHeaderName, validateHeaderValue } from 'node:http';
import { join } from 'node:path';
import type { parse as parseToml, TomlError as TomlErrorClass } from 'smol-toml' with { 'resolution-mode': 'import' };

// smol-toml ships CommonJS (dist/index.cjs, what `require` loads) but types only for its ES module, which a
// CommonJS file may not import as a value: the types come from the ES module, the code from `require`.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { parse, TomlError } = require('smol-toml') as { parse: typeof parseToml; TomlError: typeof TomlErrorClass };

/** Where one provider's calls go (the shape of an `Upstream`, which imports this file). */
export interface CodexUpstream {
  baseUrl: URL;
  headers: Record<string, string>;
  query?: Record<string, string>;
}

/** Where Codex sends its calls when no provider says otherwise. */
export const openaiDefaultBaseUrl = 'https://api.openai.com/v1';

/**
 * The upstream Codex would call with the user's `config.toml` — `$CODEX_HOME/config.toml`, else
 * `$HOME/.codex/config.toml`, both of `env` — or undefined when there is no such file. Codex 0.17x reads it as:
 *
 * - `model_provider` (default `"openai"`) picks the provider;
 * - `"openai"` is Codex's built-in provider: the top-level `openai_base_url`, else the vendor's API, with
 *   `OPENAI_API_KEY`;
 * - any other id names a `[model_providers.<id>]` table: `base_url` (default the vendor's API), the key from the
 *   variable `env_key` names (or `OPENAI_API_KEY` with `requires_openai_auth = true`) as a bearer token,
 *   `query_params` added to every call, `http_headers` as they are and `env_http_headers` (header → variable)
 *   where the variable is set and not blank. Codex's other built-in providers (ollama, lmstudio, Bedrock, Vertex)
 *   are not followed.
 *
 * Only `wire_api = "responses"` (Codex's default, and all 0.17x accepts) is taken: the gateway meters the
 * Responses API. Throws one line naming the file and the key when the file cannot be read, is not TOML, or holds
 * a value the gateway cannot follow.
 */
export function codexConfigUpstream(env: NodeJS.ProcessEnv): CodexUpstream | undefined {
  const file = codexConfigFile(env);
  if (!file) return undefined;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new Error(`Codex config ${file}: cannot read it: ${(error as Error).message}`, { cause: error });
  }
  const fail = (message: string): never => {
    throw new Error(`Codex config ${file}: ${message}`);
  };
  let config: Record<string, unknown>;
  try {
    config = parse(text);
  } catch (error) {
    if (!(error instanceof TomlError)) throw error;
    // smol-toml's message is the reason, then the lines around it: the reason and its position make one line.
    const reason = error.message.split('\n')[0].replace(/^Invalid TOML document: /, '');
    return fail(`line ${error.line}, column ${error.column}: not valid TOML: ${reason}`);
  }

  const providerId = config.model_provider ?? 'openai';
  if (typeof providerId !== 'string' || providerId === '')
    return fail(`model_provider must be a provider id such as "openai", got ${JSON.stringify(providerId)}`);
  if (providerId === 'openai') {
    const base = optionalString(config, 'openai_base_url', fail);
    return {
      baseUrl: httpUrl(base ?? openaiDefaultBaseUrl, 'openai_base_url', fail),
      headers: bearer(env.OPENAI_API_KEY),
    };
  }

  const providers = config.model_providers ?? {};
  if (!isTable(providers)) return fail('model_providers must be a table of providers');
  const key = `model_providers.${providerId}`;
  const provider = providers[providerId];
  if (!isTable(provider))
    return fail(
      `model_provider "${providerId}" has no [${key}] table (the model gateway follows "openai" and the providers defined in this file)`,
    );
  const wireApi = optionalString(provider, 'wire_api', fail, key);
  if (wireApi !== undefined && wireApi !== 'responses')
    return fail(
      `${key}.wire_api is ${JSON.stringify(wireApi)}: the model gateway meters only the Responses API (wire_api = "responses", which Codex 0.17x also requires)`,
    );
  const base = optionalString(provider, 'base_url', fail, key);
  const envKey = optionalString(provider, 'env_key', fail, key);
  const requiresOpenaiAuth = provider.requires_openai_auth ?? false;
  if (typeof requiresOpenaiAuth !== 'boolean') return fail(`${key}.requires_openai_auth must be true or false`);

  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(stringTable(provider, 'http_headers', fail, key))) {
    headers[headerName(name, `${key}.http_headers`, fail)] = headerValue(value, `${key}.http_headers.${name}`, fail);
  }
  for (const [name, variable] of Object.entries(stringTable(provider, 'env_http_headers', fail, key))) {
    const value = env[variable];
    if (value?.trim())
      headers[headerName(name, `${key}.env_http_headers`, fail)] = headerValue(value, `$${variable}`, fail);
  }
  const apiKey = envKey !== undefined ? env[envKey] : requiresOpenaiAuth ? env.OPENAI_API_KEY : undefined;
  const query = stringTable(provider, 'query_params', fail, key);
  return {
    baseUrl: httpUrl(base ?? openaiDefaultBaseUrl, `${key}.base_url`, fail),
    headers: { ...headers, ...bearer(apiKey) },
    ...(Object.keys(query).length > 0 ? { query } : {}),
  };
}

/** `$CODEX_HOME/config.toml`, else `$HOME/.codex/config.toml`; none when `env` has neither (nothing is guessed). */
function codexConfigFile(env: NodeJS.ProcessEnv): string | undefined {
  if (env.CODEX_HOME) return join(env.CODEX_HOME, 'config.toml');
  if (env.HOME) return join(env.HOME, '.codex', 'config.toml');
  return undefined;
}

/** Authorization for `key`, as Codex sends it; none for a missing or blank key (Codex treats blank as unset). */
export function bearer(key: string | undefined): Record<string, string> {
  return key?.trim() ? { authorization: `Bearer ${key}` } : {};
}

type Fail = (message: string) => never;

function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

function optionalString(table: Record<string, unknown>, name: string, fail: Fail, prefix?: string): string | undefined {
  const value = table[name];
  if (value === undefined || typeof value === 'string') return value;
  return fail(`${prefix ? `${prefix}.` : ''}${name} must be a string, got ${JSON.stringify(value)}`);
}

function stringTable(table: Record<string, unknown>, name: string, fail: Fail, prefix: string): Record<string, string> {
  const value = table[name] ?? {};
  if (!isTable(value)) return fail(`${prefix}.${name} must be a table of strings`);
  for (const [entry, item] of Object.entries(value)) {
    if (typeof item !== 'string') fail(`${prefix}.${name}.${entry} must be a string, got ${JSON.stringify(item)}`);
  }
  return { ...(value as Record<string, string>) };
}

function httpUrl(value: string, name: string, fail: Fail): URL {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (url?.protocol !== 'http:' && url?.protocol !== 'https:')
    return fail(`${name}: expected an http(s) URL, got ${JSON.stringify(value)}`);
  return url;
}

// Node refuses a bad header when the call is made, so a bad one is refused here, at start.
function headerName(name: string, where: string, fail: Fail): string {
  try {
    validateHeaderName(name);
  } catch {
    fail(`${where}: ${JSON.stringify(name)} is not an HTTP header name`);
  }
  return name.toLowerCase();
}

function headerValue(value: string, where: string, fail: Fail): string {
  try {
    validateHeaderValue('x', value);
  } catch {
    fail(`${where}: not a valid HTTP header value`);
  }
  return value;
}
