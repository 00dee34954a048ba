import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { repoRoot } from './support/local-stack';

// Runs the shell of .github/workflows/report-autosave.yml as GitHub's runner would (bash -eo pipefail, the
// step's environment, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files) against a stand-in for the orchestrator.
interface Step {
  id?: string;
  name?: string;
  run?: string;
}

const workflow = parse(readFileSync(join(repoRoot, '.github', 'workflows', 'report-autosave.yml'), 'utf8')) as {
  jobs: { autosave: { steps: Step[] } };
};
const step = (id: string) =>
  workflow.jobs.autosave.steps.find((candidate) => candidate.id === id || candidate.name === id)!;
const branch = 'feat/wo-20261125-add-notes';
const report = JSON.parse(
  readFileSync(join(repoRoot, 'apps', 'orchestrator', 'src', 'github', 'fixtures', 'agent-cli.report.json'), 'utf8'),
) as { round_id: string };

describe('report-autosave workflow', () => {
  let root: string;
  let server: Server;
  let apiUrl: string;
  const requests: { url?: string; authorization?: string }[] = [];

  /**
   * Runs one step's script in the checkout with `env`; resolves with what it wrote to GITHUB_OUTPUT as a map.
   * Asynchronously: the stand-in orchestrator answers from this process.
   */
  async function runStep(name: string, env: Record<string, string>): Promise<Record<string, string>> {
    const output = join(root, `${name}.out`);
    writeFileSync(output, '');
    const script = join(root, `${name}.sh`);
    writeFileSync(script, step(name).run!);
    await promisify(execFile)('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], {
      cwd: join(root, 'checkout'),
      env: { PATH: process.env.PATH, GITHUB_OUTPUT: output, GITHUB_STEP_SUMMARY: join(root, 'summary.md'), ...env },
    });
    return Object.fromEntries(
      readFileSync(output, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
  }

  function commit(message: string): void {
    execFileSync(
      'git',
      ['-c', 'user.name=T', '-c', 'user.email=t@example.com', 'commit', '-q', '--allow-empty', '-m', message],
      { cwd: join(root, 'checkout') },
    );
  }

  beforeAll(async () => {
    server = createServer((request, response) => {
      requests.push({ url: request.url, authorization: request.headers.authorization });
      const url = new URL(request.url ?? '/', 'http://x');
      const isAuthorized = request.headers.authorization === 'Bearer secret-token';
      let status = isAuthorized ? 404 : 401;
      let body: unknown = { statusCode: status };
      if (isAuthorized && url.pathname === '/rounds' && url.searchParams.get('branch') === branch) {
        status = 200;
        body = {
          items: [
            { id: 'other-round', workorder_id: 'another' },
            { id: report.round_id, workorder_id: 'gh-issue-42' },
          ],
          next_cursor: null,
        };
      } else if (isAuthorized && url.pathname === `/reports/${report.round_id}`) {
        status = 200;
        body = report;
      }
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'sc-autosave-'));
    execFileSync('git', ['init', '-q', '-b', branch, join(root, 'checkout')]);
    writeFileSync(join(root, 'summary.md'), '');
  });

  afterEach(() => rmSync(root, { recursive: true, force: true }));

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('reads the trailer, fetches the Round of that work-order on the branch, and writes the Report to the summary', async () => {
    commit('Add notes\n\nAgent claude.\n\nWork-Order: gh-issue-42\nRound: whatever');
    const { workorder } = await runStep('trailer', {});
    expect(workorder).toBe('gh-issue-42');

    const fetched = await runStep('report', {
      SC_API_URL: apiUrl,
      SC_API_TOKEN: 'secret-token',
      WORKORDER_ID: workorder,
      BRANCH: branch,
    });
    expect(fetched).toEqual({ round: report.round_id, file: `report/report-${report.round_id}.json` });
    expect(JSON.parse(readFileSync(join(root, 'checkout', fetched.file), 'utf8'))).toEqual(report);
    expect(requests.map((request) => request.url)).toEqual([
      `/rounds?branch=${encodeURIComponent(branch)}&limit=100`,
      `/reports/${report.round_id}`,
    ]);

    await runStep('Write the job summary', { REPORT_FILE: fetched.file, WORKORDER_ID: workorder });
    const summary = readFileSync(join(root, 'summary.md'), 'utf8');
    expect(summary).toContain(`Work-order \`gh-issue-42\`, Round \`${report.round_id}\`, attempt 1: **success**`);
    expect(summary).toContain('| coding | success | 0 |');
    expect(summary).toContain('"worker": "worker-a:4242"');
  });

  it('keeps nothing, and says so, when the head commit has no trailer', async () => {
    commit('A plain commit');
    expect(await runStep('trailer', {})).toEqual({ workorder: '' });
    expect(readFileSync(join(root, 'summary.md'), 'utf8')).toContain('no Work-Order: trailer');
  });

  it('fails the job when the orchestrator refuses the token', async () => {
    commit('x\n\nWork-Order: gh-issue-42');
    await expect(
      runStep('report', { SC_API_URL: apiUrl, SC_API_TOKEN: 'wrong', WORKORDER_ID: 'gh-issue-42', BRANCH: branch }),
    ).rejects.toThrow(/401/);
  });
});
