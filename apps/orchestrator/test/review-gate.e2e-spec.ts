import { fakeAgent } from '../../../test/support/local-stack';
import { until } from '../../../test/support/until';
import { FakeGitHub } from './support/fake-github';
import { echoOrder, type OrchestratorStack } from './support/orchestrator-stack';
import { git } from '../../../test/support/test-repository';
import { startGitHubStack, type GitHubStack } from './support/github-stack';

// The review gate with a real worker, the agent-cli plugin and a fake agent on a bare "remote": the Round waits in
// awaiting_review with its diff stored by the worker; approve opens the pull request (on a fake GitHub API),
// reject and the timeout end it failed without one, and anything else is refused.
describe('the review gate', () => {
  let stack: GitHubStack;
  let remote: string;
  let github: FakeGitHub;
  let sc: OrchestratorStack;
  let count = 0;

  const order = (review: Record<string, unknown>) => ({
    title: `Add notes ${++count}`,
    instructions: 'Write the notes.',
    plugin: 'agent-cli',
    repo: { url: remote, base_ref: 'main' },
    agents: [
      { name: 'fake', model: 'fake-1', role: 'implementer', command: `"${process.execPath}" "${fakeAgent}"` },
      {
        name: 'other',
        model: 'fake-2',
        role: 'implementer',
        command: `"${process.execPath}" "${fakeAgent}" --fake-file=OTHER.md`,
      },
    ],
    phases: ['coding', 'testing'],
    acceptance: ['test -s NOTES.md || test -s OTHER.md'],
    params: { github: { repository: 'octo/hello' } },
    pull_request: {},
    review,
  });

  const round = async (id: string) => (await sc.call('GET', `/rounds/${id}`)).body;
  const untilState = (id: string, state: string) =>
    until(
      async () => {
        const view = await round(id);
        if (view.state !== state && ['succeeded', 'failed', 'error', 'timed_out', 'cancelled'].includes(view.state))
          throw new Error(`round ended ${view.state}, not ${state}`);
        return view.state === state && view;
      },
      { timeoutMs: 60_000, what: `round ${id} ${state}` },
    );
  const submit = async (review: Record<string, unknown>): Promise<string> => {
    const answer = await sc.call('POST', '/workorders', { body: order(review) });
    expect(answer.status).toBe(200);
    return answer.body.round_id;
  };

  beforeAll(async () => {
    stack = await startGitHubStack('review', {
      GITHUB_WEBHOOK_SECRET: 'review-test-webhook-secret-01',
      GITHUB_TOKEN: 'ghp_review',
      SC_REAPER_INTERVAL_MS: '200',
    });
    ({ remote, github, sc } = stack);
  });

  afterAll(() => stack?.close());

  it('holds a Round that passed in awaiting_review with its diff, and opens the pull request only when approved', async () => {
    const id = await submit({ required: true });
    const held = await untilState(id, 'awaiting_review');
    expect(held.transitions.map((t: { to: string }) => t.to)).toEqual(['queued', 'running', 'awaiting_review']);
    expect(github.callsTo('POST', /^\/repos\/octo\/hello\/pulls$/)).toHaveLength(0);
    expect(
      (await fetch(`${sc.orchestrator.url}/metrics`).then((r) => r.text())).match(/^round_awaiting_review \d+$/m)?.[0],
    ).toBe('round_awaiting_review 1');

    const response = await fetch(`${sc.orchestrator.url}/rounds/${id}/diff`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/x-diff/);
    const diff = await response.text();
    const branch = held.branch as string;
    expect(diff.split('\n').filter((line) => line.startsWith('# agent') || line.startsWith('+++'))).toEqual([
      expect.stringMatching(new RegExp(`^# agent fake \\(fake-1\\): ${branch}-fake against main \\([0-9a-f]{12}\\)$`)),
      '+++ b/NOTES.md',
      expect.stringMatching(new RegExp(`^# agent other \\(fake-2\\): ${branch}-other against main`)),
      '+++ b/OTHER.md',
    ]);

    // Only approve, reject or cancel move it; a retry or a worker's late message cannot.
    expect((await sc.call('POST', `/rounds/${id}/retry`)).status).toBe(409);
    const approved = await sc.call('POST', `/rounds/${id}/approve`);
    expect(approved).toMatchObject({ status: 200, body: { state: 'succeeded' } });
    expect(approved.body.transitions.at(-1)).toMatchObject({
      from: 'awaiting_review',
      to: 'succeeded',
      reason: 'review approved',
    });
    await until(() => github.callsTo('POST', /^\/repos\/octo\/hello\/pulls$/).length === 1, {
      what: 'pull request opened',
    });
    expect(await sc.call('POST', `/rounds/${id}/approve`)).toMatchObject({
      status: 409,
      body: { message: `round ${id} is succeeded, not awaiting_review` },
    });
  });

  it('ends a rejected Round failed with the reason, keeps its pushed branches and opens no pull request', async () => {
    const id = await submit({ required: true });
    const held = await untilState(id, 'awaiting_review');
    const pulls = github.callsTo('POST', /^\/repos\/octo\/hello\/pulls$/).length;
    expect(await sc.call('POST', `/rounds/${id}/reject`, { body: {} })).toMatchObject({
      status: 400,
      body: { details: [{ path: '/reason', message: 'is required' }] },
    });
    expect(await sc.call('POST', `/rounds/${id}/reject`, { body: { reason: 'x', extra: 1 } })).toMatchObject({
      status: 400,
    });
    const rejected = await sc.call('POST', `/rounds/${id}/reject`, { body: { reason: 'the notes are wrong' } });
    expect(rejected).toMatchObject({ status: 200, body: { state: 'failed' } });
    expect(rejected.body.transitions.at(-1)).toMatchObject({
      from: 'awaiting_review',
      to: 'failed',
      reason: 'review rejected: the notes are wrong',
    });
    expect(
      git(remote, 'branch', '--list', `${held.branch}-*`)
        .split('\n')
        .map((line) => line.trim()),
    ).toEqual([`${held.branch}-fake`, `${held.branch}-other`]);
    // The diff stays readable after the decision.
    expect((await fetch(`${sc.orchestrator.url}/rounds/${id}/diff`)).status).toBe(200);
    expect(await sc.call('POST', `/rounds/${id}/reject`, { body: { reason: 'again' } })).toMatchObject({ status: 409 });
    expect(github.callsTo('POST', /^\/repos\/octo\/hello\/pulls$/)).toHaveLength(pulls);
  });

  it('rejects a Round nobody decided on within review.timeout', async () => {
    const id = await submit({ required: true, timeout: 'PT1S' });
    await untilState(id, 'failed');
    const view = await round(id);
    expect(view.transitions.map((t: { to: string }) => t.to)).toEqual([
      'queued',
      'running',
      'awaiting_review',
      'failed',
    ]);
    expect(view.transitions.at(-1).reason).toBe('review rejected: no decision within 1 s (review.timeout)');
  });

  it('refuses approve and reject outside awaiting_review (409), and answers 404 for a Round that stored no diff', async () => {
    const submitted = await sc.call('POST', '/workorders', { body: echoOrder({ phases: ['coding'] }) });
    const id: string = submitted.body.round_id;
    await untilState(id, 'succeeded');
    expect(await sc.call('POST', `/rounds/${id}/approve`)).toMatchObject({ status: 409 });
    expect(await sc.call('POST', `/rounds/${id}/reject`, { body: { reason: 'no' } })).toMatchObject({ status: 409 });
    expect(await sc.call('GET', `/rounds/${id}/diff`)).toMatchObject({
      status: 404,
      body: { message: `round ${id} has no diff for attempt 1 (only a Round held for review stores one)` },
    });
    expect((await sc.call('POST', '/rounds/no-such-round/approve')).status).toBe(404);
    expect(
      (await sc.call('POST', '/workorders', { body: order({ required: true, timeout: 'soon' }) })).body.details,
    ).toEqual([{ path: '/review/timeout', message: expect.any(String) }]);
  });
});
