import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runSc } from './run-sc';

// `sc pr` as built, against a stand-in for the orchestrator's POST /rounds/:id/pull-request (the
// orchestrator's side is covered by apps/orchestrator/test/github-pull-requests.e2e-spec.ts).
describe('sc pr', () => {
  let server: Server;
  let apiUrl: string;
  const requests: { method?: string; url?: string; authorization?: string }[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      requests.push({ method: request.method, url: request.url, authorization: request.headers.authorization });
      const isKnown = request.url === '/rounds/r-1/pull-request';
      response.writeHead(isKnown ? 200 : 409, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify(
          isKnown
            ? { round_id: 'r-1', number: 7, url: 'https://github.example/octo/hello/pull/7', action: 'opened' }
            : { statusCode: 409, error: 'Conflict', message: 'round r-2 has no commits to open a pull request from' },
        ),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('asks the orchestrator and prints the pull request', async () => {
    const run = await runSc(['pr', 'r-1', '--api-url', apiUrl], { env: { SC_API_TOKEN: 't0ken' } });
    expect(run).toMatchObject({
      code: 0,
      stdout: 'Pull request #7 opened: https://github.example/octo/hello/pull/7\n',
    });
    expect(requests.at(-1)).toEqual({ method: 'POST', url: '/rounds/r-1/pull-request', authorization: 'Bearer t0ken' });
  });

  it('prints the answer as JSON with --json', async () => {
    const run = await runSc(['pr', 'r-1', '--api-url', apiUrl, '--json']);
    expect(JSON.parse(run.stdout)).toEqual({
      round_id: 'r-1',
      number: 7,
      url: 'https://github.example/octo/hello/pull/7',
      action: 'opened',
    });
  });

  it('exits 1 with the one-line reason when the orchestrator refuses', async () => {
    const run = await runSc(['pr', 'r-2', '--api-url', apiUrl]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('round r-2 has no commits to open a pull request from');
  });
});
