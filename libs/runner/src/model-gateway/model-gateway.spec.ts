import type { ModelRoute, UsageReport } from '@sc/plugin-sdk';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeAnthropicServer } from '../../../../test/support/fake-model-servers/anthropic.dialect';
import type { FakeModelOptions, FakeModelServer } from '../../../../test/support/fake-model-servers/fake-model-server';
import { startFakeGeminiServer } from '../../../../test/support/fake-model-servers/gemini.dialect';
import { startFakeOpenAIServer } from '../../../../test/support/fake-model-servers/openai.dialect';
import { ModelPrices } from '../pricing/model-prices';
import { ModelGateway } from './model-gateway';
import { loadUpstreams } from './upstreams';

const usage = { input: 1000, output: 50, cacheRead: 200, cacheWrite: 30 };
const anthropicCall = {
  model: 'claude-sonnet-4-5',
  max_tokens: 100,
  stream: true,
  messages: [{ role: 'user', content: 'hi' }],
  tools: [{ name: 'Bash', input_schema: { type: 'object' } }],
};

describe('ModelGateway', () => {
  let server: FakeModelServer;
  let gateway: ModelGateway;
  let reports: UsageReport[];
  let refusal: string | undefined;
  let route: ModelRoute;

  async function open(
    provider: 'anthropic' | 'openai' | 'gemini',
    start: (options: FakeModelOptions) => Promise<FakeModelServer>,
    options: FakeModelOptions = {},
    env: (server: FakeModelServer) => NodeJS.ProcessEnv = (server) => ({
      ANTHROPIC_BASE_URL: server.url,
      ANTHROPIC_API_KEY: 'upstream-key',
      OPENAI_BASE_URL: `${server.url}/v1`,
      OPENAI_API_KEY: 'upstream-key',
      GOOGLE_GEMINI_BASE_URL: server.url,
      GEMINI_API_KEY: 'upstream-key',
    }),
  ): Promise<void> {
    server = await start({ usage, script: [{ kind: 'shell', command: 'true' }], ...options });
    const upstreams = loadUpstreams(env(server));
    gateway = new ModelGateway(upstreams, new ModelPrices());
    route = await gateway.open({
      provider,
      agent: 'a1',
      onUsage: (report) => reports.push(report),
      refusal: () => refusal,
    });
  }

  beforeEach(() => {
    reports = [];
    refusal = undefined;
  });

  afterEach(async () => {
    await gateway.close();
    await server.close();
  });

  function sum(kind: 'input' | 'output' | 'cache_read' | 'cache_write'): number {
    return reports.reduce((total, report) => total + (report[kind] ?? 0), 0);
  }

  it('forwards an Anthropic call with the upstream key, passes the stream through untouched and meters it as it streams', async () => {
    await open('anthropic', startFakeAnthropicServer);
    const answer = await fetch(`${route.baseUrl}/v1/messages?beta=true`, {
      method: 'POST',
      headers: { 'x-api-key': route.apiKey, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify(anthropicCall),
    });
    expect(answer.headers.get('content-type')).toContain('text/event-stream');
    const text = await answer.text();
    expect(text).toContain('event: message_start');
    expect(text).toContain('event: message_stop');
    expect(server.calls).toHaveLength(1);
    expect(server.calls[0]).toMatchObject({
      path: '/v1/messages?beta=true',
      headers: expect.objectContaining({ 'x-api-key': 'upstream-key', 'anthropic-version': '2023-06-01' }),
    });
    // message_start first (input, cache, 1 output), then message_delta's cumulative output.
    expect(reports.map((report) => report.output)).toEqual([1, 49]);
    expect({
      input: sum('input'),
      output: sum('output'),
      cache_read: sum('cache_read'),
      cache_write: sum('cache_write'),
    }).toEqual({ input: 1000, output: 50, cache_read: 200, cache_write: 30 });
    // claude-sonnet-4-5: $3 input, $15 output, $0.30 cache read, $3.75 cache write per million.
    const cost = reports.reduce((total, report) => total + (report.cost_usd ?? 0), 0);
    expect(cost).toBeCloseTo((1000 * 3 + 50 * 15 + 200 * 0.3 + 30 * 3.75) / 1e6, 12);
    expect(reports[0]).toMatchObject({ agent: 'a1', model: 'claude-sonnet-4-5' });
  });

  it('counts what a stream cut off mid-way had delivered', async () => {
    await open('anthropic', startFakeAnthropicServer, { fault: { kind: 'cut-off', call: 0, afterEvents: 3 } });
    const answer = await fetch(`${route.baseUrl}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(anthropicCall),
    });
    await expect(answer.text()).rejects.toThrow();
    await waitFor(() => reports.length > 0);
    expect({ input: sum('input'), output: sum('output'), cache_read: sum('cache_read') }).toEqual({
      input: 1000,
      output: 1,
      cache_read: 200,
    });
  });

  it("refuses a call once the budget is used up, before anything leaves, in the provider's error format", async () => {
    await open('anthropic', startFakeAnthropicServer);
    refusal = 'budget_exceeded: 1000 tokens used, budget.max_tokens is 1000';
    const answer = await fetch(`${route.baseUrl}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(anthropicCall),
    });
    expect(answer.status).toBe(403);
    expect(await answer.json()).toEqual({ type: 'error', error: { type: 'permission_error', message: refusal } });
    expect(server.calls).toHaveLength(0);
  });

  it('meters an OpenAI Responses stream from response.completed, cached input as cache reads', async () => {
    await open('openai', startFakeOpenAIServer);
    const body = {
      model: 'gpt-5.5',
      stream: true,
      input: [{ role: 'user', content: 'hi' }],
      tools: [{ type: 'function', name: 'exec_command', parameters: { type: 'object' } }],
    };
    const answer = await fetch(`${route.baseUrl}/responses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${route.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(await answer.text()).toContain('response.completed');
    expect(server.calls[0]).toMatchObject({
      path: '/v1/responses',
      headers: expect.objectContaining({ authorization: 'Bearer upstream-key' }),
    });
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({ model: 'gpt-5.5', output: usage.output, cache_read: usage.cacheRead });
  });

  it("forwards Codex's calls to the provider of its config.toml, with that provider's key, query parameters and headers", async () => {
    const codexHome = mkdtempSync(join(tmpdir(), 'sc-codex-home-'));
    try {
      await open('openai', startFakeOpenAIServer, {}, (server) => {
        writeFileSync(
          join(codexHome, 'config.toml'),
          [
            'model_provider = "azure"',
            '[model_providers.azure]',
            'name = "Azure"',
            `base_url = "${server.url}/openai/v1"`,
            'env_key = "AZURE_OPENAI_API_KEY"',
            'query_params = { api-version = "2025-04-01-preview" }',
            'http_headers = { "X-Team" = "platform" }',
          ].join('\n'),
        );
        return { CODEX_HOME: codexHome, AZURE_OPENAI_API_KEY: 'azure-key', OPENAI_API_KEY: 'not-this-one' };
      });
      const answer = await fetch(`${route.baseUrl}/responses`, {
        method: 'POST',
        headers: { authorization: `Bearer ${route.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-5.5', stream: true, input: [{ role: 'user', content: 'hi' }] }),
      });
      expect(await answer.text()).toContain('response.completed');
      expect(server.calls[0]).toMatchObject({
        path: '/openai/v1/responses?api-version=2025-04-01-preview',
        headers: expect.objectContaining({ authorization: 'Bearer azure-key', 'x-team': 'platform' }),
      });
      expect(reports[0]).toMatchObject({ model: 'gpt-5.5', output: usage.output });
    } finally {
      rmSync(codexHome, { recursive: true, force: true });
    }
  });

  it('meters Gemini usageMetadata and moves a key in the query into the upstream header', async () => {
    await open('gemini', startFakeGeminiServer);
    const body = {
      contents: [{ role: 'user', parts: [{ text: 'hi' }] }],
      tools: [{ functionDeclarations: [{ name: 'run_shell_command', parameters: { type: 'OBJECT' } }] }],
    };
    const answer = await fetch(
      `${route.baseUrl}/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse&key=${route.apiKey}`,
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
    );
    expect(await answer.text()).toContain('usageMetadata');
    expect(server.calls[0]).toMatchObject({
      path: '/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse',
      headers: expect.objectContaining({ 'x-goog-api-key': 'upstream-key' }),
    });
    expect(reports.every((report) => report.model === 'gemini-2.5-pro')).toBe(true);
    expect({ output: sum('output'), cache_read: sum('cache_read') }).toEqual({
      output: usage.output,
      cache_read: usage.cacheRead,
    });
  });

  it('answers 404 for a route that is closed, and passes upstream errors through unmetered', async () => {
    await open('anthropic', startFakeAnthropicServer, { fault: { kind: '429', times: 1, retryAfterS: 7 } });
    const limited = await fetch(`${route.baseUrl}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(anthropicCall),
    });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    expect(reports).toEqual([]);
    await route.close();
    const closed = await fetch(`${route.baseUrl}/v1/messages`, { method: 'POST', body: '{}' });
    expect(closed.status).toBe(404);
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
}
