import { spawnSync } from 'node:child_process';
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
    for (const [method, path] of [['GET', '/rounds'], ['GET', '/rounds/x'], ['GET', '/reports/x'], ['GET', '/workorders/x'], ['POST', '/workorders']]) {
      const answer = await sc.call(method, path, { headers, ...(method === 'POST' ? { body: echoOrder() } : {}) });
      expect({ path, ...answer }).toEqual({ path, status: 401, body: { statusCode: 401, error: 'Unauthorized', message: 'missing or wrong bearer token' } });
    }
  });

  it('lets the right token through', async () => {
    const answer = await sc.call('POST', '/workorders', { body: echoOrder(), headers: { authorization: `Bearer ${token}` } });
    expect(answer.status).toBe(200);
    expect((await sc.call('GET', '/rounds', { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
  });

  it('keeps /health, /docs and /docs-json open', async () => {
    expect((await sc.call('GET', '/health')).status).toBe(200);
    expect((await fetch(`${sc.orchestrator.url}/docs`)).status).toBe(200);
    const document = await sc.call('GET', '/docs-json');
    expect(document.status).toBe(200);
    expect(document.body.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(document.body.components.schemas.WorkOrder).toMatchObject({ type: 'object', required: ['title', 'instructions'] });
    expect(document.body.components.schemas.Report.properties.status).toEqual({ $ref: '#/components/schemas/Report.status' });
    expect(Object.keys(document.body.paths)).toEqual(
      expect.arrayContaining(['/workorders', '/workorders/{id}', '/rounds', '/rounds/{id}', '/rounds/{id}/cancel', '/rounds/{id}/retry', '/rounds/{id}/commits', '/rounds/{id}/events', '/reports/{id}', '/health']),
    );
  });
});

describe('orchestrator start with a bad environment', () => {
  it.each([
    ['REDIS_URL', 'localhost', 'REDIS_URL: expected redis://[user:password@]host:port, got "localhost"'],
    ['PORT', 'eighty', 'PORT: expected a port number 1..65535, got "eighty"'],
  ])('exits 2 with one line for %s=%s', (name, value, line) => {
    const stack = createStackEnv({ [name]: value });
    try {
      const result = spawnSync(process.execPath, [orchestratorMain], { env: stack.env, encoding: 'utf8', timeout: 30_000 });
      expect(result.status).toBe(2);
      expect(result.stderr).toBe(`${line}\n`);
    } finally {
      stack.cleanup();
    }
  });
});
