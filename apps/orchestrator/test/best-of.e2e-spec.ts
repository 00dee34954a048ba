import { fakeAgent } from '../../../test/support/local-stack';
import { git } from '../../../test/support/test-repository';
import { until } from '../../../test/support/until';
import { FakeGitHub } from './support/fake-github';
import type { OrchestratorStack } from './support/orchestrator-stack';
import { startGitHubStack, type GitHubStack } from './support/github-stack';

// Best of three with a real worker, the agent-cli plugin and fake agents on a bare "remote": one agent fails
// acceptance, two pass at different costs; the review diff, the pushed branch and the pull request (on a fake
// GitHub API) are the cheaper passing agent's.
const model = 'claude-sonnet-4-5';

describe('best of N', () => {
  let stack: GitHubStack;
  let remote: string;
  let github: FakeGitHub;
  let sc: OrchestratorStack;

  const agent = (name: string, fakeArgs: string) => ({
    name,
    model,
    role: 'implementer',
    command: `"${process.execPath}" "${fakeAgent}" --fake-model=${model} ${fakeArgs}`,
  });

  beforeAll(async () => {
    stack = await startGitHubStack('best-of', {
      GITHUB_WEBHOOK_SECRET: 'best-of-test-webhook-secret-01',
      GITHUB_TOKEN: 'ghp_best',
    });
    ({ remote, github, sc } = stack);
  });

  afterAll(() => stack?.close());

  it('reviews, pushes and opens the pull request of the winner, and reports the others', async () => {
    const submitted = await sc.call('POST', '/workorders', {
      body: {
        title: 'Best notes',
        instructions: 'Write the notes.',
        plugin: 'agent-cli',
        repo: { url: remote, base_ref: 'main' },
        select: 'best',
        agents: [
          agent('alpha', '--fake-turns=3'),
          agent('beta', '--fake-file=OTHER.md'),
          agent('gamma', '--fake-turns=2'),
        ],
        acceptance: ['test -s NOTES.md'],
        params: { github: { repository: 'octo/best' } },
        pull_request: {},
        review: { required: true },
      },
    });
    expect(submitted.status).toBe(200);
    const id: string = submitted.body.round_id;
    const held = await until(
      async () => {
        const view = (await sc.call('GET', `/rounds/${id}`)).body;
        if (['succeeded', 'failed', 'error'].includes(view.state)) throw new Error(`round ended ${view.state}`);
        return view.state === 'awaiting_review' && view;
      },
      { timeoutMs: 90_000, what: 'awaiting_review' },
    );
    const winner = `${held.branch}-gamma`;
    const report = (await sc.call('GET', `/reports/${id}`)).body;
    expect(report.selection.winner).toMatchObject({ agent: 'gamma', branch: winner, passed: true });
    expect(
      report.selection.others.map((other: { agent: string; passed: boolean }) => [other.agent, other.passed]),
    ).toEqual([
      ['alpha', true],
      ['beta', false],
    ]);
    expect(report.selection.winner.cost_usd).toBeLessThan(report.selection.others[0].cost_usd);

    const diff = await (await fetch(`${sc.orchestrator.url}/rounds/${id}/diff`)).text();
    expect(diff.split('\n').filter((line) => line.startsWith('# agent'))).toEqual([
      expect.stringMatching(new RegExp(`^# agent gamma \\(${model}\\): ${winner} against main`)),
    ]);
    expect(git(remote, 'for-each-ref', '--format=%(refname)', 'refs/heads/feat')).toBe(`refs/heads/${winner}`);

    expect(await sc.call('POST', `/rounds/${id}/approve`)).toMatchObject({ status: 200, body: { state: 'succeeded' } });
    const [created] = await until(
      () =>
        github.callsTo('POST', /^\/repos\/octo\/best\/pulls$/).length === 1 &&
        github.callsTo('POST', /^\/repos\/octo\/best\/pulls$/),
      { what: 'pull request opened' },
    );
    const body = created.body as { head: string; body: string };
    expect(body.head).toBe(winner);
    expect(body.body).toContain('The winner is **gamma**');
  });

  it('refuses at submit a best-of-N work-order whose last phase is not testing (400)', async () => {
    const answer = await sc.call('POST', '/workorders', {
      body: {
        title: 'T',
        instructions: 'I',
        plugin: 'agent-cli',
        repo: { url: remote },
        select: 'best',
        phases: ['testing', 'coding'],
        agents: [agent('alpha', '')],
      },
    });
    expect(answer).toMatchObject({
      status: 400,
      body: {
        details: [
          { path: '/select', message: 'select "best" needs testing as the last phase (phases: testing, coding)' },
        ],
      },
    });
  });
});
