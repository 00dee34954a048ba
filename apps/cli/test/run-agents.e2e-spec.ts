import type { Report } from '@sc/schemas';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  agentCliCases,
  expectedTokenUsage,
  sortedTokenUsage,
  type AgentCliCase,
} from '../../../test/support/agent-cli-cases';
import { agentCliBinDir } from '../../../test/support/agent-clis';
import type { FakeModelServer } from '../../../test/support/fake-model-servers/fake-model-server';
import { createTestRepository, git } from '../../../test/support/test-repository';
import { runSc } from './run-sc';

// `sc run` with the real agent CLIs: the same gateway and runner as a worker, in the CLI's own process.
const binDir = agentCliBinDir();
if (!binDir)
  console.log(
    'sc run agents e2e: the agent CLIs are not installed (scripts/install-agent-clis.js could not reach the npm registry); skipping',
  );
const describeWithClis = binDir ? describe : describe.skip;

const usage = { input: 500, output: 25, cacheRead: 50, cacheWrite: 5 };

describeWithClis.each(agentCliCases)('sc run with $name', (cli: AgentCliCase) => {
  let dir: string;
  let server: FakeModelServer;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), `sc-run-${cli.name}-`));
    server = await cli.startServer({ usage });
  });

  afterEach(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('finishes the work, prints every token and cent, exit 0', async () => {
    const repo = join(dir, 'repo');
    createTestRepository(repo);
    const home = join(dir, 'home');
    mkdirSync(home);
    const order = {
      title: `Hello from ${cli.name}`,
      instructions: 'Write hello.txt and run the check.',
      plugin: 'agent-cli',
      phases: ['coding', 'testing'],
      branch: `feat/sc-run-${cli.name}`,
      repo: { path: repo },
      agents: [{ name: cli.name, model: cli.model, role: 'implementer' }],
      acceptance: ['test -f ran.txt'],
      budget: { max_cost_usd: 1 },
    };
    const file = join(dir, 'order.json');
    writeFileSync(file, JSON.stringify(order));
    const env = {
      ...cli.upstreamEnv(server),
      HOME: home,
      PATH: `${binDir}:${process.env.PATH}`,
      SC_DATA_DIR: join(dir, 'data'),
      SC_LOG_DIR: join(dir, 'logs'),
    };
    const { code, stdout, stderr } = await runSc(['run', file, '--json'], { env });
    const report = JSON.parse(stdout) as Report;
    expect({ code, status: report.status, stderr }).toEqual({ code: 0, status: 'success', stderr: '' });
    expect(git(repo, 'show', `feat/sc-run-${cli.name}:hello.txt`)).toBe('hello from the fake model');
    expect(sortedTokenUsage(report)).toEqual(expectedTokenUsage(cli, server, usage));

    const human = await runSc(['run', file], { env: { ...env, SC_DATA_DIR: join(dir, 'data2') } });
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(
      new RegExp(
        `^  tokens      ${cli.name} \\(${cli.model.replace('.', '\\.')}\\): \\d+ in, \\d+ out, \\d+ cache read, \\d+ cache write, \\$\\d+\\.\\d{4}$`,
        'm',
      ),
    );
  });
});
