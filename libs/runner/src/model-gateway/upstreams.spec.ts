import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadUpstreams } from './upstreams';

describe(loadUpstreams.name, () => {
  let home: string;
  let configFile: string;

  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'sc-upstreams-'));
    configFile = join(home, '.codex', 'config.toml');
  });

  afterEach(() => rmSync(home, { recursive: true, force: true }));

  function writeCodexConfig(toml: string, file = configFile): void {
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, toml);
  }

  const corpProvider = [
    'model = "gpt-5.5"',
    'model_provider = "corp"',
    '',
    '[model_providers.corp]',
    'name = "Corp gateway"',
    'base_url = "https://llm.corp.example/openai/v1"',
    'env_key = "CORP_OPENAI_KEY"',
    'wire_api = "responses"',
    'query_params = { api-version = "2025-04-01-preview" }',
    'http_headers = { "X-Team" = "platform" }',
    'env_http_headers = { "X-Tenant" = "CORP_TENANT", "X-Unset" = "CORP_UNSET", "X-Blank" = "CORP_BLANK" }',
  ].join('\n');

  it("takes each vendor's API, without keys, from an empty environment", () => {
    expect(loadUpstreams({})).toEqual({
      anthropic: { baseUrl: new URL('https://api.anthropic.com'), headers: {} },
      openai: { baseUrl: new URL('https://api.openai.com/v1'), headers: {} },
      gemini: { baseUrl: new URL('https://generativelanguage.googleapis.com'), headers: {} },
    });
  });

  it('takes the base URLs and keys of the variables the CLIs read', () => {
    expect(
      loadUpstreams({
        ANTHROPIC_BASE_URL: 'http://proxy:8080/anthropic',
        ANTHROPIC_AUTH_TOKEN: 'tok',
        OPENAI_BASE_URL: 'http://proxy:8080/openai/v1',
        OPENAI_API_KEY: 'sk-o',
        GOOGLE_GEMINI_BASE_URL: 'http://proxy:8080/gemini',
        GOOGLE_API_KEY: 'g',
      }),
    ).toEqual({
      anthropic: { baseUrl: new URL('http://proxy:8080/anthropic'), headers: { authorization: 'Bearer tok' } },
      openai: { baseUrl: new URL('http://proxy:8080/openai/v1'), headers: { authorization: 'Bearer sk-o' } },
      gemini: { baseUrl: new URL('http://proxy:8080/gemini'), headers: { 'x-goog-api-key': 'g' } },
    });
  });

  it("forwards Codex's calls to the provider model_provider selects in ~/.codex/config.toml, with its key, query and headers", () => {
    writeCodexConfig(corpProvider);
    const { openai } = loadUpstreams({
      HOME: home,
      OPENAI_API_KEY: 'sk-not-this-one',
      CORP_OPENAI_KEY: 'sk-corp',
      CORP_TENANT: 'acme',
      CORP_BLANK: '  ',
    });
    expect(openai).toEqual({
      baseUrl: new URL('https://llm.corp.example/openai/v1'),
      headers: { authorization: 'Bearer sk-corp', 'x-team': 'platform', 'x-tenant': 'acme' },
      query: { 'api-version': '2025-04-01-preview' },
    });
  });

  it('reads $CODEX_HOME/config.toml rather than ~/.codex/config.toml', () => {
    writeCodexConfig('model_provider = "broken');
    const codexHome = join(home, 'codex-home');
    writeCodexConfig(
      'model_provider = "local"\n[model_providers.local]\nname = "vLLM"\nbase_url = "http://127.0.0.1:8000/v1"\n',
      join(codexHome, 'config.toml'),
    );
    expect(loadUpstreams({ HOME: home, CODEX_HOME: codexHome }).openai).toEqual({
      baseUrl: new URL('http://127.0.0.1:8000/v1'),
      headers: {},
    });
  });

  it("lets the worker's OPENAI_BASE_URL win over the Codex config, which is then not read", () => {
    writeCodexConfig('model_provider = "broken');
    expect(loadUpstreams({ HOME: home, OPENAI_BASE_URL: 'http://proxy/v1', OPENAI_API_KEY: 'sk-o' }).openai).toEqual({
      baseUrl: new URL('http://proxy/v1'),
      headers: { authorization: 'Bearer sk-o' },
    });
  });

  it("takes Codex's built-in openai provider from the config: openai_base_url, else the vendor's API, with OPENAI_API_KEY", () => {
    writeCodexConfig('model = "gpt-5.5"\nopenai_base_url = "http://egress.internal/openai/v1"\n');
    expect(loadUpstreams({ HOME: home, OPENAI_API_KEY: 'sk-o' }).openai).toEqual({
      baseUrl: new URL('http://egress.internal/openai/v1'),
      headers: { authorization: 'Bearer sk-o' },
    });
    writeCodexConfig('model_provider = "openai"\n');
    expect(loadUpstreams({ HOME: home }).openai).toEqual({
      baseUrl: new URL('https://api.openai.com/v1'),
      headers: {},
    });
  });

  it("uses OPENAI_API_KEY for a provider with requires_openai_auth and no env_key, and the vendor's API without base_url", () => {
    writeCodexConfig(
      'model_provider = "custom"\n[model_providers.custom]\nname = "custom"\nrequires_openai_auth = true\n',
    );
    expect(loadUpstreams({ HOME: home, OPENAI_API_KEY: 'sk-o' }).openai).toEqual({
      baseUrl: new URL('https://api.openai.com/v1'),
      headers: { authorization: 'Bearer sk-o' },
    });
  });

  it.each([
    ['text that is not TOML', 'model_provider = "corp\n', 'line 1, column 23: not valid TOML: '],
    [
      'wire_api "chat"',
      'model_provider = "corp"\n[model_providers.corp]\nname = "c"\nbase_url = "http://x/v1"\nwire_api = "chat"\n',
      'model_providers.corp.wire_api is "chat": the model gateway meters only the Responses API (wire_api = "responses", which Codex 0.17x also requires)',
    ],
    [
      'a provider with no table',
      'model_provider = "ollama"\n',
      'model_provider "ollama" has no [model_providers.ollama] table (the model gateway follows "openai" and the providers defined in this file)',
    ],
    [
      'a base_url without a scheme',
      'model_provider = "corp"\n[model_providers.corp]\nname = "c"\nbase_url = "llm.corp.example/v1"\n',
      'model_providers.corp.base_url: expected an http(s) URL, got "llm.corp.example/v1"',
    ],
    [
      'a header that is not a string',
      'model_provider = "corp"\n[model_providers.corp]\nname = "c"\nhttp_headers = { "X-Retries" = 3 }\n',
      'model_providers.corp.http_headers.X-Retries must be a string, got 3',
    ],
    [
      'a header name with a space',
      'model_provider = "corp"\n[model_providers.corp]\nname = "c"\nhttp_headers = { "X Team" = "a" }\n',
      'model_providers.corp.http_headers: "X Team" is not an HTTP header name',
    ],
    [
      'a model_provider that is not a string',
      'model_provider = 7\n',
      'model_provider must be a provider id such as "openai", got 7',
    ],
    [
      'an openai_base_url that is not http(s)',
      'openai_base_url = "ftp://mirror/v1"\n',
      'openai_base_url: expected an http(s) URL, got "ftp://mirror/v1"',
    ],
  ])('refuses a config.toml with %s in one line naming the file', (_case, toml, message) => {
    writeCodexConfig(toml);
    const error = captureError(() => loadUpstreams({ HOME: home }));
    expect(error.message).toContain(`Codex config ${configFile}: ${message}`);
    expect(error.message).not.toContain('\n');
  });

  it('says why it cannot read the config file', () => {
    mkdirSync(configFile, { recursive: true });
    expect(() => loadUpstreams({ HOME: home })).toThrow(`Codex config ${configFile}: cannot read it: EISDIR`);
  });
});

function captureError(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}
