/* eslint-disable @typescript-eslint/no-explicit-any -- GitHub's example payloads are plain JSON */
import webhookExamples from '@octokit/webhooks-examples';
import * as fc from 'fast-check';
import { createHmac, randomUUID } from 'node:crypto';
import { fakeAgent } from '../../../test/support/local-stack';
import { until } from '../../../test/support/until';
import { FakeGitHub, type RecordedCall } from './support/fake-github';
import type { Answer, OrchestratorStack } from './support/orchestrator-stack';
import { git } from '../../../test/support/test-repository';
import { startGitHubStack, type GitHubStack } from './support/github-stack';

// The PR loop end to end: a Round with the agent-cli plugin and a fake agent opens pull request #101 on a
// fake GitHub, its branch pushed to a bare repository; then GitHub's own example payloads (reviews, comments,
// check and workflow runs), adapted to that pull request and signed, start new attempts of the Round whose
// commits land on the same branch and pull request.
const secret = 'pr-loop-webhook-secret-0123';
const auth = { authorization: 'Bearer pr-loop-token' };
const branch = 'feat/wo-20261207-pr-loop';
const repository = 'octo/hello';
const pullUrl = 'https://github.example/octo/hello/pull/101';

/** A deep copy of GitHub's example of `event` with `action`, made to be about octo/hello. */
function example(event: string, action: string, index = 0): any {
  const found = (webhookExamples as any[])
    .find((entry) => entry.name === event)
    ?.examples.filter((payload: any) => payload.action === action)[index];
  if (!found) throw new Error(`no example payload for ${event}.${action}`);
  const payload = structuredClone(found);
  payload.repository.full_name = repository;
  return payload;
}

const bodyOf = (call: RecordedCall) => (call.body as { body: string }).body;

describe('the PR loop', () => {
  let stack: GitHubStack;
  let remote: string;
  let github: FakeGitHub;
  let sc: OrchestratorStack;
  let roundId: string;
  let firstHead: string;

  const deliver = (event: string, payload: unknown): Promise<Answer> => {
    const raw = JSON.stringify(payload);
    return sc.call('POST', '/webhooks/github', {
      raw,
      headers: {
        'x-github-event': event,
        'x-github-delivery': randomUUID(),
        'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`,
      },
    });
  };
  const round = async () => (await sc.call('GET', `/rounds/${roundId}`, { headers: auth })).body;
  /** The transition that queued attempt `attempt` (the worker may have taken it already). */
  const queuedAs = async (attempt: number) =>
    ((await round()).transitions as any[]).find(
      (transition) => transition.to === 'queued' && transition.attempt === attempt,
    );
  const comments = () => github.callsTo('POST', /^\/repos\/octo\/hello\/issues\/101\/comments$/).map(bodyOf);
  const edits = () => github.callsTo('PATCH', /^\/repos\/octo\/hello\/issues\/comments\/\d+$/).map(bodyOf);
  const headOfBranch = () => git(remote, 'rev-parse', `refs/heads/${branch}`);
  const notes = () => git(remote, 'show', `refs/heads/${branch}:NOTES.md`);

  /** GitHub learns the branch's new head, as a push tells it. */
  const publishHead = () => {
    github.pulls.get(`${repository}#101`)!.head.sha = headOfBranch();
    github.branches.set(`${repository}:${branch}`, headOfBranch());
  };

  /** Waits until attempt `attempt` ended succeeded and its pull request comment was posted; GitHub then sees the new head. */
  const untilAttemptDone = async (attempt: number) => {
    await until(
      async () => {
        const body = await round();
        if (body.attempt === attempt && ['failed', 'error'].includes(body.state))
          throw new Error(`attempt ${attempt} ${body.state}`);
        return (
          body.attempt === attempt &&
          body.state === 'succeeded' &&
          comments().some((text) => text.includes(`attempt ${attempt} ended`))
        );
      },
      { timeoutMs: 60_000, what: `attempt ${attempt} and its pull request comment` },
    );
    publishHead();
  };

  /** GitHub's review example, now requesting changes on pull request #101. */
  const changesRequested = (body: string) => {
    const payload = example('pull_request_review', 'submitted');
    Object.assign(payload.review, { state: 'changes_requested', body, id: Math.floor(Math.random() * 1e9) });
    Object.assign(payload.pull_request, { number: 101, html_url: pullUrl });
    return payload;
  };

  /** GitHub's issue_comment example, on pull request #101, saying `body`. */
  const fixComment = (body: string) => {
    const payload = example('issue_comment', 'created');
    Object.assign(payload.issue, {
      number: 101,
      pull_request: { url: 'https://api.github.com/repos/octo/hello/pulls/101' },
    });
    payload.comment.body = body;
    return payload;
  };

  /** GitHub's example of a failed check run, on the pull request's head commit. */
  const failedCheckRun = (sha: string) => {
    const payload = example('check_run', 'completed');
    expect(payload.check_run.conclusion).toBe('failure');
    Object.assign(payload.check_run, {
      id: 5001,
      name: 'test',
      head_sha: sha,
      app: { ...payload.check_run.app, slug: 'github-actions' },
    });
    payload.check_run.pull_requests[0].number = 101;
    return payload;
  };

  beforeAll(async () => {
    stack = await startGitHubStack('pr-loop', {
      GITHUB_WEBHOOK_SECRET: secret,
      GITHUB_TOKEN: 'ghp_loop',
      SC_API_TOKEN: 'pr-loop-token',
      SC_PR_FIX_LIMIT: '2',
      SC_PUBLIC_URL: 'https://sc.example',
    });
    ({ remote, github, sc } = stack);
    const submitted = await sc.call('POST', '/workorders', {
      headers: auth,
      body: {
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
        phases: ['coding'],
        params: { github: { repository } },
        pull_request: {},
      },
    });
    expect(submitted.status).toBe(200);
    roundId = submitted.body.round_id;
    await until(async () => (await round()).pull_request, { timeoutMs: 60_000, what: 'the pull request of attempt 1' });
    expect((await round()).pull_request).toEqual({ number: 101, url: pullUrl });
    firstHead = headOfBranch();
    publishHead();
  });

  afterAll(() => stack?.close());

  it('a review requesting changes starts attempt 2 with the review as its instructions, pushed to the same pull request', async () => {
    const before = headOfBranch();
    const review = changesRequested('Please also mention the licence.');
    github.reviewComments.set(review.review.id, [{ path: 'NOTES.md', line: 1, body: 'Say which turn.' }]);
    const answer = await deliver('pull_request_review', review);
    expect(answer).toEqual({ status: 200, body: { result: 'fix attempt queued', round_id: roundId } });
    expect(await queuedAs(2)).toMatchObject({
      reason: expect.stringMatching(
        /^automatic pull request fix \(review \d+\): @Codertocat requested changes on #101$/,
      ),
    });
    // The bot comments on the pull request (this Round came from the API, so it had no comment yet)…
    expect(comments().at(-1)).toContain(
      `queued attempt 2 of Round [\`${roundId}\`](https://sc.example/rounds/${roundId})`,
    );
    // A person asking while the attempt is at work is told to wait for it.
    expect(await deliver('issue_comment', fixComment('/sc fix now'))).toMatchObject({
      status: 202,
      body: { result: expect.stringContaining('has not ended') },
    });
    expect(comments().at(-1)).toMatch(
      /^Solar Circuit did not start a fix: Round `[^`]+` has not ended \(illegal transition (queued|running) → queued\); ask again when it has$/,
    );
    await untilAttemptDone(2);
    // …and edits that comment when the attempt ends.
    await until(() => edits().some((text) => text.includes('ended: **succeeded**') && text.includes('attempt 2')), {
      what: 'the bot comment edited',
    });
    expect(github.callsTo('POST', /^\/repos\/octo\/hello\/pulls$/)).toHaveLength(1);
    expect(headOfBranch()).not.toBe(before);
    expect(git(remote, 'merge-base', '--is-ancestor', before, headOfBranch())).toBe('');
    expect(notes()).toContain(
      'A review of pull request #101 by @Codertocat requests changes:\n\nPlease also mention the licence.\n\nOn lines of the diff:\n- NOTES.md:1: Say which turn.',
    );
  });

  it('each attempt posts the check run sc: in progress on the head it starts from, then completed with tokens and cost per agent and model on the head it pushed', async () => {
    const posted = () => github.callsTo('POST', /^\/repos\/octo\/hello\/check-runs$/).map((call) => call.body as any);
    const patched = () =>
      github
        .callsTo('PATCH', /^\/repos\/octo\/hello\/check-runs\/\d+$/)
        .map((call) => ({ path: call.path, ...(call.body as any) }));
    await until(() => posted().length >= 3 && patched().length >= 1, { what: 'the check runs of attempts 1 and 2' });
    const [first, running, second] = posted();
    // Attempt 1 started a new branch, so GitHub had no commit of it to show it running on.
    expect(first).toMatchObject({
      name: 'sc',
      head_sha: firstHead,
      status: 'completed',
      conclusion: 'success',
      details_url: `https://sc.example/rounds/${roundId}`,
    });
    expect(first.output.title).toBe('Attempt 1: succeeded · $0.00');
    expect(running).toMatchObject({
      name: 'sc',
      head_sha: firstHead,
      status: 'in_progress',
      output: { title: 'Attempt 2 running' },
    });
    expect(patched()[0]).toMatchObject({
      path: expect.stringMatching(/\/check-runs\/7000002$/),
      status: 'completed',
      conclusion: 'success',
    });
    expect(second).toMatchObject({ name: 'sc', head_sha: headOfBranch(), status: 'completed', conclusion: 'success' });
    expect(second.output.summary).toContain(
      `Solar Circuit Round [\`${roundId}\`](https://sc.example/rounds/${roundId}), attempt 2: **succeeded**`,
    );
    expect(second.output.summary).toMatch(/\| fake \| fake-1 \| 120 \| 30 \| 0 \| 0 \| (unknown|\$\d+\.\d{4}) \|/);
    expect(second.output.summary).toContain('Cost of the Round: $');
  });

  it('/sc fix in a pull request comment starts an attempt with its text, not counted against the limit', async () => {
    expect(await deliver('issue_comment', fixComment('/sc fix rename the notes heading\nto "Notes"'))).toEqual({
      status: 200,
      body: { result: 'fix attempt queued', round_id: roundId },
    });
    expect(await queuedAs(3)).toMatchObject({ reason: 'fix requested by @Codertocat on #101' });
    await untilAttemptDone(3);
    expect(notes()).toContain('@Codertocat asks on pull request #101:\n\nrename the notes heading\nto "Notes"');
  });

  it('a failed check run on the head commit starts an attempt with its log tail; the workflow run of the same commit does not start another', async () => {
    const sha = headOfBranch();
    github.workflowJobs.set(7001, [
      { id: 5000, name: 'lint', conclusion: 'success', log: 'all good' },
      {
        id: 5001,
        name: 'test',
        conclusion: 'failure',
        log: `${'ok\n'.repeat(5000)}FAIL test/notes.spec.ts\n  expected "Notes" got "notes"\n`,
      },
    ]);
    // A check of an older commit is moot.
    expect(await deliver('check_run', failedCheckRun('1'.repeat(40)))).toMatchObject({
      status: 202,
      body: { result: expect.stringContaining('is no longer the head of #101') },
    });
    expect(await deliver('check_run', failedCheckRun(sha))).toEqual({
      status: 200,
      body: { result: 'fix attempt queued', round_id: roundId },
    });
    expect(await queuedAs(4)).toMatchObject({
      reason: `automatic pull request fix (commit ${sha}): check "test" failure on #101`,
    });

    const workflowRun = example('workflow_run', 'completed', 1);
    Object.assign(workflowRun.workflow_run, { id: 7001, name: 'CI', conclusion: 'failure', head_sha: sha });
    workflowRun.workflow_run.pull_requests = [
      { ...example('check_run', 'completed').check_run.pull_requests[0], number: 101 },
    ];
    expect(await deliver('workflow_run', workflowRun)).toMatchObject({ status: 202 });
    await untilAttemptDone(4);
    expect(await deliver('workflow_run', workflowRun)).toMatchObject({
      status: 202,
      body: { result: expect.stringMatching(/no longer the head|was started already/) },
    });
    expect((await round()).attempt).toBe(4);
    const told = notes();
    expect(told).toContain(
      `The check "test" ended failure on commit ${sha.slice(0, 12)}, the head of pull request #101.`,
    );
    expect(told).toContain('FAIL test/notes.spec.ts');
  });

  it('past SC_PR_FIX_LIMIT automatic attempts it starts none and says so on the pull request', async () => {
    const answer = await deliver('pull_request_review', changesRequested('One more thing.'));
    expect(answer).toMatchObject({
      status: 202,
      body: { result: expect.stringContaining('had 2 automatic attempt(s), the limit (SC_PR_FIX_LIMIT)') },
    });
    expect(comments().at(-1)).toContain('Comment `/sc fix [what to do]` to ask for one.');
    // Each failed job of the head commit sends its events: the pull request is told once.
    const told = comments().length;
    expect(await deliver('check_run', failedCheckRun(headOfBranch()))).toMatchObject({
      status: 202,
      body: { result: expect.stringContaining('the limit (SC_PR_FIX_LIMIT)') },
    });
    expect(await deliver('check_run', failedCheckRun(headOfBranch()))).toMatchObject({
      status: 202,
      body: { result: 'ignored: SC_PR_FIX_LIMIT (2) reached' },
    });
    expect(comments()).toHaveLength(told + 1);
    expect((await round()).attempt).toBe(4);
  });

  it('never pushes to a fork: an /sc fix there is refused with a comment', async () => {
    const pull = github.pulls.get(`${repository}#101`)!;
    const own = pull.head.repo;
    pull.head.repo = { clone_url: 'https://github.example/someone/hello.git', full_name: 'someone/hello' };
    try {
      expect(await deliver('issue_comment', fixComment('/sc fix please'))).toMatchObject({
        status: 202,
        body: { result: expect.stringContaining('never pushes to forks') },
      });
      expect(comments().at(-1)).toContain('never pushes to forks');
      expect((await round()).attempt).toBe(4);
    } finally {
      pull.head.repo = own;
    }
  });

  it('ignores what asks for nothing, and answers a malformed payload 202 without starting anything', async () => {
    const commented = changesRequested('Looks good');
    commented.review.state = 'commented';
    expect(await deliver('pull_request_review', commented)).toMatchObject({
      status: 202,
      body: { result: 'ignored: review commented' },
    });
    const passed = failedCheckRun(headOfBranch());
    passed.check_run.conclusion = 'success';
    expect(await deliver('check_run', passed)).toMatchObject({
      status: 202,
      body: { result: 'ignored: check run success' },
    });
    const own = failedCheckRun(headOfBranch());
    own.check_run.name = 'sc';
    expect(await deliver('check_run', own)).toMatchObject({
      status: 202,
      body: { result: 'ignored: the check run of Solar Circuit itself' },
    });
    const elsewhere = changesRequested('Not ours');
    elsewhere.pull_request.number = 1;
    github.pulls.set(`${repository}#1`, {
      number: 1,
      title: 'by hand',
      html_url: 'https://github.example/octo/hello/pull/1',
      head: { ref: 'x', repo: { clone_url: remote } },
      base: { ref: 'main', repo: { clone_url: remote } },
    });
    expect(await deliver('pull_request_review', elsewhere)).toMatchObject({
      status: 202,
      body: { result: 'ignored: pull request #1 was not opened by a Round' },
    });

    const unknownPull = failedCheckRun(headOfBranch());
    unknownPull.check_run.pull_requests[0].number = 999;
    expect(await deliver('check_run', unknownPull)).toMatchObject({
      status: 202,
      body: { result: 'ignored: pull request #999 not found' },
    });

    const noReview = changesRequested('x');
    delete noReview.review;
    expect(await deliver('pull_request_review', noReview)).toMatchObject({
      status: 202,
      body: { result: 'ignored: pull_request_review event other than submitted' },
    });
    const badPulls = failedCheckRun(headOfBranch());
    badPulls.check_run.pull_requests = 'none';
    expect(await deliver('check_run', badPulls)).toMatchObject({
      status: 202,
      body: { result: 'ignored: check_run event other than completed' },
    });
    expect(
      await deliver('workflow_run', { action: 'completed', workflow_run: { id: 'x' }, repository: {} }),
    ).toMatchObject({ status: 202 });
    const reviewComment = example('pull_request_review_comment', 'created');
    reviewComment.comment.body = 'nice';
    expect(await deliver('pull_request_review_comment', reviewComment)).toMatchObject({
      status: 202,
      body: { result: 'ignored: review comment is not /sc fix' },
    });
    expect((await round()).attempt).toBe(4);
  });

  it("answers GitHub's payloads of these events with any one value replaced below 500", async () => {
    const events: [string, any][] = [
      ['pull_request_review', changesRequested('fuzz')],
      ['pull_request_review_comment', example('pull_request_review_comment', 'created')],
      ['issue_comment', fixComment('/sc fix fuzz')],
      ['check_run', failedCheckRun('2'.repeat(40))],
      ['workflow_run', example('workflow_run', 'completed')],
    ];
    /** Every path to a value of `value`, objects and arrays included. */
    const paths = (value: unknown, at: (string | number)[] = []): (string | number)[][] =>
      typeof value === 'object' && value !== null
        ? [
            at,
            ...Object.entries(value).flatMap(([key, child]) =>
              paths(child, [...at, Array.isArray(value) ? Number(key) : key]),
            ),
          ]
        : [at];
    const replaced = fc
      .tuple(fc.constantFrom(...events), fc.nat(), fc.jsonValue())
      .map(([[event, payload], index, value]) => {
        const copy = structuredClone(payload);
        const all = paths(copy).filter((path) => path.length > 0);
        const path = all[index % all.length];
        let parent: any = copy;
        for (const key of path.slice(0, -1)) parent = parent[key];
        parent[path.at(-1)!] = value;
        return [event, copy] as const;
      });
    await fc.assert(
      fc.asyncProperty(replaced, async ([event, payload]) => {
        expect((await deliver(event, payload)).status).toBeLessThan(500);
      }),
      { numRuns: 60 },
    );
    // A replaced value may leave a valid /sc fix, which starts an attempt: let it end before the next test.
    await until(async () => ['succeeded', 'failed', 'error', 'cancelled'].includes((await round()).state), {
      timeoutMs: 60_000,
      what: 'the Round at rest',
    });
    publishHead();
  });

  it('/sc fix on a line of the diff starts an attempt that says where', async () => {
    const payload = example('pull_request_review_comment', 'created');
    Object.assign(payload.pull_request, { number: 101, html_url: pullUrl });
    Object.assign(payload.comment, { body: '/sc fix use a heading here', path: 'NOTES.md', line: 1 });
    const attempt = (await round()).attempt + 1;
    expect(await deliver('pull_request_review_comment', payload)).toEqual({
      status: 200,
      body: { result: 'fix attempt queued', round_id: roundId },
    });
    await untilAttemptDone(attempt);
    expect(notes()).toContain(
      `@${payload.comment.user.login} asks on pull request #101, at NOTES.md:1:\n\nuse a heading here`,
    );
  });
});
