import type { Agent, Report, StoredWorkOrder, WorkOrderJob } from '@sc/schemas';
import { ReviewDiffArtifact, validateReport } from '@sc/schemas';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pino from 'pino';
import { createLocalArtifactStore } from '../../artifacts/local.artifact-store';
import { PluginRegistry } from '../../plugin-registry';
import { runRound, type RunRoundOptions } from '../../run-round';
import { createAgentCliPlugin } from './agent-cli.plugin';
import { createTestRepository, git } from '../../../../../test/support/test-repository';

const fakeAgent = join(__dirname, 'fixtures', 'fake-agent.js');
const branch = 'feat/wo-20250101-best-of';
// Priced from the table: $3 per million input tokens, $15 per million output tokens.
const model = 'claude-sonnet-4-5';
const costOf = (turns: number) => Number(((turns * (100 * 3 + 10 * 15)) / 1e6).toFixed(10));

// Best of N with real processes: each agent is the fake agent as its own `command`, in its own worktree.
describe('agent-cli with select "best"', () => {
  let root: string;
  let repo: string;
  let dataDir: string;
  let options: RunRoundOptions;
  const originalPath = process.env.PATH;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'sc-best-of-'));
    repo = join(root, 'repo');
    dataDir = join(root, 'data');
    createTestRepository(repo);
    process.env.PATH = [dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin'].join(':');
    const registry = new PluginRegistry();
    registry.register(createAgentCliPlugin(), 'built-in');
    options = {
      registry,
      logger: pino({ level: 'silent' }),
      worker: 'test',
      dataDir,
      artifacts: createLocalArtifactStore({ dataDir }),
      killGraceMs: 300,
    };
  });

  afterEach(() => {
    process.env.PATH = originalPath;
    rmSync(root, { recursive: true, force: true });
  });

  /** An agent running the fake agent with `fakeArgs` (100 input and 10 output tokens a turn). */
  function agent(name: string, ...fakeArgs: string[]): Agent {
    return {
      name,
      model,
      role: 'implementer',
      command: `"${process.execPath}" "${fakeAgent}" --fake-model=${model} ${fakeArgs.map((arg) => `'${arg}'`).join(' ')}`,
    };
  }

  async function run(order: Partial<StoredWorkOrder>): Promise<Report> {
    const job: WorkOrderJob = {
      round_id: 'round-1',
      workorder_id: 'wo-1',
      attempt: 1,
      order: {
        id: 'wo-1',
        title: 'Best notes',
        instructions: 'Write the notes.',
        plugin: 'agent-cli',
        branch,
        phases: ['coding', 'testing'],
        priority: 5,
        repo: { path: repo, base_ref: 'main' },
        select: 'best',
        // Two commands, so that an agent can fail one or both.
        acceptance: ['test -f NOTES.md', 'grep -q "Write the notes." NOTES.md'],
        ...order,
      },
    };
    const report = await runRound(job, options);
    expect(validateReport(report)).toMatchObject({ ok: true });
    return report;
  }

  it('succeeds with the cheapest passing agent of three when one fails acceptance; only its branch is diffed and pushed', async () => {
    const remote = join(root, 'remote.git');
    git(root, 'init', '-q', '--bare', remote);
    git(repo, 'remote', 'add', 'origin', remote);
    const report = await run({
      agents: [
        agent('alpha', '--fake-turns=3'),
        agent('beta', '--fake-file=OTHER.md'),
        agent('gamma', '--fake-turns=2'),
      ],
      review: { required: true },
      pull_request: {},
    });
    expect(report.status).toBe('success');
    expect(report.selection).toEqual({
      winner: {
        agent: 'gamma',
        model,
        branch: `${branch}-gamma`,
        passed: true,
        failed_commands: 0,
        result: '2 acceptance command(s) passed',
        cost_usd: costOf(2),
      },
      others: [
        {
          agent: 'alpha',
          model,
          branch: `${branch}-alpha`,
          passed: true,
          failed_commands: 0,
          result: '2 acceptance command(s) passed',
          cost_usd: costOf(3),
        },
        {
          agent: 'beta',
          model,
          branch: `${branch}-beta`,
          passed: false,
          failed_commands: 2,
          result: '2 of 2 acceptance command(s) failed',
          cost_usd: costOf(1),
        },
      ],
    });
    expect(report.summary.split('\n')[0]).toBe(
      `best of 3: gamma (${model}) on ${branch}-gamma: 2 acceptance command(s) passed; cost $${costOf(2)}`,
    );
    // Every agent's work is committed; the reviewer and the remote see the winner's branch alone.
    expect(report.commits.map((commit) => commit.branch).sort()).toEqual(
      ['alpha', 'beta', 'gamma'].map((name) => `${branch}-${name}`),
    );
    const diff = readFileSync(join(dataDir, 'artifacts', 'round-1', '1', ReviewDiffArtifact), 'utf8');
    expect(diff.split('\n').filter((line) => line.startsWith('# '))).toEqual([
      `# agent gamma (${model}): ${branch}-gamma against main (${git(repo, 'rev-parse', 'main').slice(0, 12)})`,
    ]);
    expect(git(remote, 'for-each-ref', '--format=%(refname)')).toBe(`refs/heads/${branch}-gamma`);
  });

  it('drops an agent whose coding fails and tests the others; the first listed wins a tie', async () => {
    const report = await run({ agents: [agent('alpha', '--fake-exit=3'), agent('beta'), agent('gamma')] });
    expect(report.status).toBe('success');
    expect(report.phases.map((phase) => [phase.name, phase.status])).toEqual([
      ['coding', 'success'],
      ['testing', 'success'],
    ]);
    expect(report.selection?.winner).toMatchObject({ agent: 'beta', cost_usd: costOf(1) });
    expect(report.selection?.others).toEqual([
      expect.objectContaining({ agent: 'alpha', passed: false, failed_commands: 0, result: 'coding: exit 3' }),
      expect.objectContaining({ agent: 'gamma', passed: true, cost_usd: costOf(1) }),
    ]);
    // The dropped agent's worktree was not tested.
    expect(report.artifacts.map((artifact) => artifact.name)).not.toContain('testing/alpha.log');
  });

  it('fails the Round when no agent passes acceptance, listing each one', async () => {
    const report = await run({
      agents: [agent('alpha', '--fake-file=A.md'), agent('beta', '--fake-file=B.md')],
      acceptance: ['test -f NOTES.md', 'exit 4'],
    });
    expect(report).toMatchObject({ status: 'failure', error: 'no agent passed acceptance' });
    expect(report.phases[1]).toMatchObject({ name: 'testing', status: 'failure', exit_code: 1 });
    expect(report.selection?.winner).toBeUndefined();
    expect(report.selection?.others.map((other) => [other.agent, other.passed, other.failed_commands])).toEqual([
      ['alpha', false, 2],
      ['beta', false, 2],
    ]);
    expect(report.summary.split('\n')[0]).toBe('best of 2: no agent passed acceptance');
  });

  it('refuses select "best" when testing is not the last phase', async () => {
    const report = await run({ agents: [agent('alpha'), agent('beta')], phases: ['coding'] });
    expect(report).toMatchObject({
      status: 'error',
      error: 'select "best" needs testing as the last phase (phases: coding)',
    });
  });
});
