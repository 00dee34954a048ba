import type { Report, RoundView, SubmitWorkOrderResponse } from '@sc/schemas';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createStackEnv,
  startOrchestrator,
  startWorker,
  type OrchestratorProcess,
  type StackEnv,
  type StackProcess,
} from '../../../test/support/local-stack';
import { until } from '../../../test/support/until';
import { runSc } from './run-sc';

describe('sc commit', () => {
  let stack: StackEnv;
  let orchestrator: OrchestratorProcess;
  let worker: StackProcess;
  let env: NodeJS.ProcessEnv;
  let repo: string;
  let round: RoundView;

  const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8' }).trim();
  const change = (name: string) => {
    writeFileSync(join(repo, name), `${name}\n`);
    git('add', name);
  };

  beforeAll(async () => {
    stack = createStackEnv();
    orchestrator = await startOrchestrator(stack);
    worker = await startWorker(stack);
    env = { SC_API_URL: orchestrator.url };
    const submitted = await runSc(['submit', 'examples/echo.json', '--wait', '--json'], { env });
    const { round_id } = JSON.parse(submitted.stdout) as SubmitWorkOrderResponse;
    round = JSON.parse((await runSc(['rounds', 'show', round_id, '--json'], { env })).stdout) as RoundView;

    repo = mkdtempSync(join(tmpdir(), 'sc-commit-'));
    git('init', '-q', '-b', 'main');
    git('config', 'user.name', 'Test');
    git('config', 'user.email', 'test@example.com');
    change('README.md');
    git('commit', '-qm', 'init');
    git('checkout', '-qb', round.branch);
  });

  afterAll(async () => {
    await worker?.stop();
    await orchestrator?.stop();
    stack?.cleanup();
    rmSync(repo, { recursive: true, force: true });
  });

  it('commits with the Work-Order trailer of the branch and records the commit on the Round', async () => {
    change('a.txt');
    const { code, stdout, stderr } = await runSc(['commit', '-m', 'Add a.txt', '--json'], { env, cwd: repo });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as { sha: string; round_id: string; workorder_id: string };
    expect(result).toMatchObject({
      round_id: round.id,
      workorder_id: round.workorder_id,
      sha: git('rev-parse', 'HEAD'),
    });
    expect(git('log', '-1', '--format=%B')).toBe(`Add a.txt\n\nWork-Order: ${round.workorder_id}`);

    const report = await until(async () => {
      const { stdout: text } = await runSc(['report', round.id, '--json'], { env });
      const current = JSON.parse(text) as Report;
      return current.commits.some((commit) => commit.sha === result.sha) && current;
    });
    expect(report.commits).toContainEqual(expect.objectContaining({ sha: result.sha, branch: round.branch }));
  });

  it('takes the work-order from SC_WORKORDER', async () => {
    change('b.txt');
    const { code } = await runSc(['commit', '-m', 'Add b.txt'], {
      env: { ...env, SC_WORKORDER: round.workorder_id },
      cwd: repo,
    });
    expect(code).toBe(0);
    expect(git('log', '-1', '--format=%(trailers:key=Work-Order,valueonly)')).toBe(round.workorder_id);
  });

  it('installs a prepare-commit-msg hook that adds the trailer to plain git commit', async () => {
    const installed = await runSc(['commit', '--install-hook'], { env, cwd: repo });
    expect(installed.code).toBe(0);
    change('c.txt');
    execFileSync('git', ['commit', '-qm', 'Add c.txt'], {
      cwd: repo,
      env: { ...process.env, SC_API_URL: orchestrator.url },
    });
    expect(git('log', '-1', '--format=%B')).toBe(`Add c.txt\n\nWork-Order: ${round.workorder_id}`);
  });

  it('says which Round it recorded on when several work-orders share the branch', async () => {
    const response = await fetch(`${orchestrator.url}/workorders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        title: 'Follow-up',
        instructions: 'Continue.',
        branch: round.branch,
        continue_branch: true,
      }),
    });
    const followUp = (await response.json()) as SubmitWorkOrderResponse;
    change('e.txt');
    const { code, stdout } = await runSc(['commit', '-m', 'Add e.txt'], { env, cwd: repo });
    expect(code).toBe(0);
    const sha = git('rev-parse', 'HEAD').slice(0, 12);
    expect(stdout).toContain(
      `Recorded ${sha} on Round ${followUp.round_id} (work-order ${followUp.workorder_id}); branch ${round.branch} is shared by 2 Rounds (set SC_WORKORDER to record on another work-order's)\n`,
    );
  });

  it('refuses, exit 2, on a branch that belongs to no Round, and commits nothing', async () => {
    git('checkout', '-qb', 'feat/wo-20000101-nobody');
    change('d.txt');
    const head = git('rev-parse', 'HEAD');
    const { code, stderr } = await runSc(['commit', '-m', 'Add d.txt'], { env, cwd: repo });
    expect(code).toBe(2);
    expect(stderr).toMatch(/^branch feat\/wo-20000101-nobody belongs to no Round/);
    expect(git('rev-parse', 'HEAD')).toBe(head);
  });

  it("with SC_WORKORDER, records the commit on the work-order's newest Round from any branch, and says on which", async () => {
    git('checkout', '-q', 'main');
    change('e.txt');
    const { code, stdout, stderr } = await runSc(['commit', '-m', 'Add e.txt'], {
      env: { ...env, SC_WORKORDER: round.workorder_id },
      cwd: repo,
    });
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const sha = git('rev-parse', 'HEAD');
    expect(stdout).toContain(
      `Recorded ${sha.slice(0, 12)} on Round ${round.id} (work-order ${round.workorder_id}, Round branch ${round.branch})`,
    );
    const shown = JSON.parse((await runSc(['rounds', 'show', round.id, '--json'], { env })).stdout) as RoundView;
    expect(shown.commits).toContainEqual({
      sha,
      branch: 'main',
      message: `Add e.txt\n\nWork-Order: ${round.workorder_id}`,
    });
  });

  it('with SC_WORKORDER of an unknown work-order, commits and exits 1 saying the commit was not recorded', async () => {
    change('f.txt');
    const { code, stderr } = await runSc(['commit', '-m', 'Add f.txt'], {
      env: { ...env, SC_WORKORDER: 'wo-nobody' },
      cwd: repo,
    });
    expect(code).toBe(1);
    expect(stderr).toBe(
      `committed ${git('rev-parse', 'HEAD').slice(0, 12)}, but could not find the Round of work-order wo-nobody: work-order wo-nobody not found; the commit was not recorded\n`,
    );
  });
});
