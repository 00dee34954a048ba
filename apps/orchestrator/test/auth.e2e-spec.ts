import * as fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import { get } from 'node:http';
import { createStackEnv, orchestratorMain } from '../../../test/support/local-stack';
import { echoOrder, startOrchestratorStack, type OrchestratorStack } from './support/orchestrator-stack';

describe('auth (SC_API_TOKEN)', () => {
  const token = 'test-token-7f3a';
  let sc: OrchestratorStack;
  beforeAll(async () => {
    sc = await startOrchestratorStack({ SC_API_TOKEN: token });
  });
  afterAll(() => sc?.close());

  it.each([
    ['no header', {}],
    ['a wrong token', { authorization: 'Bearer nope' }],
    ['another scheme', { authorization: `Basic ${token}` }],
  ])('answers 401 with %s', async (_, headers: Record<string, string>) => {
    for (const [method, path] of [
      ['GET', '/rounds'],
      ['GET', '/rounds/x'],
      ['GET', '/reports/x'],
      ['GET', '/workorders/x'],
      ['POST', '/workorders'],
    ]) {
      const answer = await sc.call(method, path, { headers, ...(method === 'POST' ? { body: echoOrder() } : {}) });
      expect({ path, ...answer }).toEqual({
        path,
        status: 401,
        body: { statusCode: 401, error: 'Unauthorized', message: 'missing or wrong bearer token' },
      });
    }
  });

  // Routes come from the OpenAPI document, so a route added later is checked without touching this test.
  it('answers 401 without the token on every route of the OpenAPI document but the open ones', async () => {
    const open = new Set(['/health', '/metrics', '/docs', '/docs-json']);
    const document = (await sc.call('GET', '/docs-json')).body as { paths: Record<string, Record<string, unknown>> };
    const routes = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.keys(operations)
        .filter((method) => ['get', 'post', 'put', 'patch', 'delete'].includes(method))
        .map((method) => ({ method: method.toUpperCase(), path: path.replace(/\{[^}]+\}/g, 'some-id') })),
    );
    expect(routes.length).toBeGreaterThanOrEqual(10);
    for (const { method, path } of routes) {
      const answer = await sc.call(method, path, method === 'GET' ? {} : { body: echoOrder() });
      if (open.has(path)) expect({ method, path, status: answer.status }).not.toEqual({ method, path, status: 401 });
      else
        expect({ method, path, ...answer }).toEqual({
          method,
          path,
          status: 401,
          body: { statusCode: 401, error: 'Unauthorized', message: 'missing or wrong bearer token' },
        });
      const authorized = await sc.call(method, path, {
        headers: { authorization: `Bearer ${token}` },
        ...(method === 'GET' ? {} : { body: echoOrder() }),
      });
      expect({ method, path, status: authorized.status }).not.toEqual({ method, path, status: 401 });
    }
  });

  it('answers 401 for any Authorization value but the token (fuzzed), never a 5xx', async () => {
    // What an HTTP client can send in a header: printable ASCII and Latin-1 (DEL and control characters are refused client-side).
    const headerValue = fc.string({
      unit: fc
        .oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0xa0, max: 0xff }))
        .map((code) => String.fromCharCode(code)),
      maxLength: 200,
    });
    const near = fc.constantFrom(
      `Bearer ${token} `,
      `Bearer  ${token}`,
      `bearer ${token}`,
      `Bearer ${token.slice(0, -1)}`,
      `Bearer ${token}x`,
      `Bearer ${token.toUpperCase()}`,
      token,
      'Bearer ',
    );
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          headerValue,
          near,
          headerValue.map((text) => `Bearer ${text}`),
        ),
        async (authorization) => {
          const answer = { status: await statusOf(`${sc.orchestrator.url}/rounds`, { authorization }) };
          expect({ authorization, status: answer.status }).toEqual({
            authorization,
            status: authorization.trim() === `Bearer ${token}` ? 200 : 401,
          });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('lets the right token through', async () => {
    const answer = await sc.call('POST', '/workorders', {
      body: echoOrder(),
      headers: { authorization: `Bearer ${token}` },
    });
    expect(answer.status).toBe(200);
    expect((await sc.call('GET', '/rounds', { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
  });

  it('keeps /health, /docs and /docs-json open', async () => {
    expect((await sc.call('GET', '/health')).status).toBe(200);
    expect((await fetch(`${sc.orchestrator.url}/docs`)).status).toBe(200);
    const document = await sc.call('GET', '/docs-json');
    expect(document.status).toBe(200);
    expect(document.body.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(document.body.components.schemas.WorkOrder).toMatchObject({
      type: 'object',
      required: ['title', 'instructions'],
    });
    expect(document.body.components.schemas.Report.properties.status).toEqual({
      $ref: '#/components/schemas/Report.status',
    });
    expect(Object.keys(document.body.paths)).toEqual(
      expect.arrayContaining([
        '/workorders',
        '/workorders/{id}',
        '/rounds',
        '/rounds/{id}',
        '/rounds/{id}/cancel',
        '/rounds/{id}/retry',
        '/rounds/{id}/commits',
        '/rounds/{id}/events',
        '/reports/{id}',
        '/health',
      ]),
    );
  });
});

/**
 * The status of a GET sent with node:http, which sends any Latin-1 header value as it is (fetch normalizes
 * or refuses some, and this test is about what the server does with them).
 */
function statusOf(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = get(url, { headers, agent: false }, (response) => {
      response.resume();
      response.once('end', () => resolve(response.statusCode ?? 0));
    });
    request.once('error', reject);
  });
}

describe('orchestrator start with a bad environment', () => {
  it.each([
    ['REDIS_URL', 'localhost', 'REDIS_URL: expected redis://[user:password@]host:port, got "localhost"'],
    ['PORT', 'eighty', 'PORT: expected an integer from 1 to 65535, got "eighty"'],
  ])('exits 2 with one line for %s=%s', (name, value, line) => {
    const stack = createStackEnv({ [name]: value });
    try {
      const result = spawnSync(process.execPath, [orchestratorMain], {
        env: stack.env,
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(result.status).toBe(2);
      expect(result.stderr).toBe(`${line}\n`);
    } finally {
      stack.cleanup();
    }
  });
});
