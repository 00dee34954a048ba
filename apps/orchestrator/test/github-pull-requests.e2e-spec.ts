import { join } from 'node:path';
import { fakeAgent } from '../../../test/support/local-stack';
import { until } from '../../../test/support/until';
import { FakeGitHub, type RecordedCall } from './support/fake-github';
import { echoOrder, type OrchestratorStack } from './support/orchestrator-stack';
import { git } from '../../../test/support/test-repository';
import { startGitHubStack, type GitHubStack } from './support/github-stack';

// A work-order with `pull_request`, run by a real worker with the agent-cli plugin and a fake agent: the
// worker pushes the branch to a bare repository in a temp folder (the "remote"), and the orchestrator opens
// the pull request through Octokit on a local fake of the GitHub API.
const branch = 'feat/wo-20261125-add-notes';

const bodyOf = (call: RecordedCall) => call.body as Record<string, unknown>;

describe('pull requests from Rounds', () => {
  let stack: GitHubStack;
  let root: string;
  let remote: string;
  let github: FakeGitHub;
  let sc: OrchestratorStack;
  const auth = { authorization: 'Bearer pr-test-token' };

  const order = () => ({
    title: 'Add notes',
    instructions: 'Write the notes.',
    plugin: 'agent-cli',
    branch,
    repo: { url: remote, base_ref: 'main' },
    agents: [
      {
        name: 'fake',
        model: 'fake-1',
        role: 'implementer',
        command: `"${process.execPath}" "${fakeAgent}" --fake-tokens=120,30`,
      },
    ],
    phases: ['coding', 'testing'],
    acceptance: ['test -s NOTES.md'],
    params: { github: { repository: 'octo/hello' } },
    pull_request: { draft: true, labels: ['sc'], reviewers: ['octocat'] },
  });

  /** Waits until the Round's attempt `attempt` ended and its pull request is recorded. */
  const untilPullRequest = (roundId: string, attempt: number) =>
    until(
      async () => {
        const { body } = await sc.call('GET', `/rounds/${roundId}`, { headers: auth });
        if (body.state === 'failed' || body.state === 'error')
          throw new Error(
            `round ${body.state}: ${JSON.stringify((await sc.call('GET', `/reports/${roundId}`, { headers: auth })).body)}`,
          );
        return (
          body.attempt === attempt &&
          body.state === 'succeeded' &&
          body.pull_request &&
          github.callsTo('POST', /^\/repos\/octo\/hello\/issues\/\d+\/comments$/).length >= attempt - 1 &&
          body
        );
      },
      { timeoutMs: 45_000, what: `pull request of attempt ${attempt}` },
    );

  beforeAll(async () => {
    stack = await startGitHubStack('pr', {
      GITHUB_WEBHOOK_SECRET: 'pr-test-webhook-secret-0123',
      GITHUB_TOKEN: 'ghp_pr',
      SC_API_TOKEN: 'pr-test-token',
    });
    ({ root, remote, github, sc } = stack);
  });

  afterAll(() => stack?.close());

  it('pushes the branch and opens a draft pull request with the Report as its body; a retry updates it and comments', async () => {
    const submitted = await sc.call('POST', '/workorders', { body: order(), headers: auth });
    expect(submitted.status).toBe(200);
    const roundId: string = submitted.body.round_id;

    const round = await untilPullRequest(roundId, 1);
    expect(round.pull_request).toEqual({ number: 101, url: 'https://github.example/octo/hello/pull/101' });
    // The branch is on the remote, at the commit the Report names.
    const report = (await sc.call('GET', `/reports/${roundId}`, { headers: auth })).body;
    expect(git(remote, 'rev-parse', `refs/heads/${branch}`)).toBe(report.commits[0].sha);

    const [created] = github.callsTo('POST', /^\/repos\/octo\/hello\/pulls$/);
    expect(bodyOf(created)).toMatchObject({ title: 'Add notes', head: branch, base: 'main', draft: true });
    expect(bodyOf(created).body).toContain(`Round \`${roundId}\``);
    expect(bodyOf(created).body).toContain('| coding | success | 0 |');
    expect(bodyOf(created).body).toContain('- `test -s NOTES.md`');
    expect(bodyOf(github.callsTo('POST', /^\/repos\/octo\/hello\/issues\/101\/labels$/)[0])).toEqual({
      labels: ['sc'],
    });
    expect(bodyOf(github.callsTo('POST', /^\/repos\/octo\/hello\/pulls\/101\/requested_reviewers$/)[0])).toEqual({
      reviewers: ['octocat'],
    });

    expect((await sc.call('POST', `/rounds/${roundId}/retry`, { headers: auth })).status).toBe(200);
    await untilPullRequest(roundId, 2);
    expect(github.callsTo('POST', /^\/repos\/octo\/hello\/pulls$/)).toHaveLength(1);
    const [updated] = github.callsTo('PATCH', /^\/repos\/octo\/hello\/pulls\/101$/);
    expect(bodyOf(updated).body).toContain('attempt 2: **success**');
    const [comment] = github.callsTo('POST', /^\/repos\/octo\/hello\/issues\/101\/comments$/);
    expect(bodyOf(comment).body).toContain('attempt 2 ended: **success**');
    expect(git(remote, 'rev-parse', `refs/heads/${branch}`)).toBe(
      (await sc.call('GET', `/reports/${roundId}`, { headers: auth })).body.commits.at(-1).sha,
    );

    // By hand (`sc pr`): the same pull request, updated again.
    expect(await sc.call('POST', `/rounds/${roundId}/pull-request`, { headers: auth })).toEqual({
      status: 200,
      body: { round_id: roundId, number: 101, url: 'https://github.example/octo/hello/pull/101', action: 'updated' },
    });
  });

  it.each([
    ['git@github.com:octo/local.git'],
    ['ssh://git@github.com/octo/local.git'],
    ['https://x-access-token:ghp_secret@github.com/octo/local'],
  ])(
    'opens the pull request of a repo.path checkout on the GitHub repository of its origin %s, pushed to that remote',
    async (origin) => {
      // A local checkout whose origin names GitHub; git sends its pushes to the bare repository instead (insteadOf).
      const checkout = join(root, `checkout-${github.callsTo('POST', /^\/repos\/octo\/local\/pulls$/).length}`);
      git(root, 'clone', '-q', remote, checkout);
      git(checkout, 'remote', 'set-url', 'origin', origin);
      git(checkout, 'config', `url.${remote}.insteadOf`, origin);
      const localBranch = `feat/local-${origin.length}`;
      const { params: _params, ...rest } = order();
      const submitted = await sc.call('POST', '/workorders', {
        body: { ...rest, branch: localBranch, repo: { path: checkout, base_ref: 'main' } },
        headers: auth,
      });
      expect(submitted.status).toBe(200);
      const roundId: string = submitted.body.round_id;
      await until(async () => (await sc.call('GET', `/rounds/${roundId}`, { headers: auth })).body.pull_request, {
        timeoutMs: 45_000,
        what: 'pull request of a local checkout',
      });
      const report = (await sc.call('GET', `/reports/${roundId}`, { headers: auth })).body;
      expect(report.commits[0].remote).toBe(origin.replace('x-access-token:ghp_secret@', ''));
      expect(git(remote, 'rev-parse', `refs/heads/${localBranch}`)).toBe(report.commits[0].sha);
      const created = github.callsTo('POST', /^\/repos\/octo\/local\/pulls$/).at(-1)!;
      expect(bodyOf(created)).toMatchObject({ head: localBranch, base: 'main' });
    },
  );

  it('refuses by hand a Round without commits (409) and an unknown Round (404)', async () => {
    const submitted = await sc.call('POST', '/workorders', { body: echoOrder({ phases: ['coding'] }), headers: auth });
    const roundId: string = submitted.body.round_id;
    await until(
      async () => (await sc.call('GET', `/rounds/${roundId}`, { headers: auth })).body.state === 'succeeded',
      { what: 'echo round' },
    );
    expect(await sc.call('POST', `/rounds/${roundId}/pull-request`, { headers: auth })).toMatchObject({
      status: 409,
      body: { message: `round ${roundId} has no commits to open a pull request from` },
    });
    expect(await sc.call('POST', '/rounds/no-such-round/pull-request', { headers: auth })).toMatchObject({
      status: 404,
    });
    expect((await sc.call('POST', `/rounds/${roundId}/pull-request`)).status).toBe(401);
  });
});
