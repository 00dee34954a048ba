/* eslint-disable @typescript-eslint/no-explicit-any -- GitHub's example payloads are plain JSON */
import webhookExamples from '@octokit/webhooks-examples';
import { createHmac, generateKeyPairSync, randomUUID, verify } from 'node:crypto';
import { startOrchestrator, type OrchestratorProcess } from '../../../test/support/local-stack';
import { until } from '../../../test/support/until';
import { FakeGitHub } from './support/fake-github';
import { startOrchestratorStack, type Answer, type OrchestratorStack } from './support/orchestrator-stack';

// POST /webhooks/github against the built orchestrator, with GitHub's own example payloads
// (@octokit/webhooks-examples) signed with the test secret, and the GitHub API served by a local fake.
const secret = 'test-webhook-secret-0123456789';
const apiToken = 'test-api-token';
const auth = { authorization: `Bearer ${apiToken}` };

/** A deep copy of GitHub's first example of `event` (with `action` when given). */
function example(event: string, action?: string): any {
  const found = (webhookExamples as any[])
    .find((entry) => entry.name === event)
    ?.examples.find((payload: any) => action === undefined || payload.action === action);
  if (!found) throw new Error(`no example payload for ${event}.${action ?? ''}`);
  return structuredClone(found);
}

/** The signature GitHub would send: HMAC-SHA256 of the exact body with the webhook secret. */
function signature(body: string, key = secret): string {
  return `sha256=${createHmac('sha256', key).update(body).digest('hex')}`;
}

/** The list when it has entries, else undefined (for `until`). */
function nonEmpty<T>(items: T[]): T[] | undefined {
  return items.length > 0 ? items : undefined;
}

describe('POST /webhooks/github', () => {
  let sc: OrchestratorStack;
  let github: FakeGitHub;

  /** Delivers `payload` as event `event`, signed unless `headers` say otherwise. */
  const deliver = (event: string, payload: unknown, headers: Record<string, string> = {}): Promise<Answer> => {
    const raw = JSON.stringify(payload);
    return sc.call('POST', '/webhooks/github', {
      raw,
      headers: {
        'x-github-event': event,
        'x-github-delivery': randomUUID(),
        'x-hub-signature-256': signature(raw),
        ...headers,
      },
    });
  };
  const roundCount = async () =>
    ((await sc.call('GET', '/rounds?limit=100', { headers: auth })).body.items as unknown[]).length;

  beforeAll(async () => {
    github = await FakeGitHub.start();
    sc = await startOrchestratorStack({
      GITHUB_WEBHOOK_SECRET: secret,
      GITHUB_TOKEN: 'ghp_test',
      GITHUB_API_URL: github.url,
      SC_API_TOKEN: apiToken,
      SC_PUBLIC_URL: 'https://sc.example',
    });
  });

  afterAll(async () => {
    await sc?.close();
    await github?.close();
  });

  it('logs that the feature is on', async () => {
    await until(() => sc.orchestrator.output().includes('github integration enabled'), { what: 'the log line' });
  });

  it('refuses a delivery without a signature (401), needing no bearer token', async () => {
    const raw = JSON.stringify(example('ping'));
    const answer = await sc.call('POST', '/webhooks/github', {
      raw,
      headers: { 'x-github-event': 'ping', 'x-github-delivery': randomUUID() },
    });
    expect(answer).toMatchObject({
      status: 401,
      body: { statusCode: 401, message: 'missing X-Hub-Signature-256 signature' },
    });
  });

  it('refuses a wrong signature, and one over a changed body (401), and changes nothing', async () => {
    const payload = example('issues', 'labeled');
    payload.label.name = 'sc';
    const raw = JSON.stringify(payload);
    expect(
      await deliver('issues', payload, { 'x-hub-signature-256': signature(raw, 'another-secret-0123456789') }),
    ).toMatchObject({ status: 401 });
    expect(await deliver('issues', payload, { 'x-hub-signature-256': signature(`${raw} `) })).toMatchObject({
      status: 401,
    });
    expect(await deliver('issues', payload, { 'x-hub-signature-256': 'sha256=zz' })).toMatchObject({ status: 401 });
    expect(await roundCount()).toBe(0);
  });

  it('answers ping', async () => {
    expect(await deliver('ping', example('ping'))).toEqual({ status: 200, body: { result: 'pong' } });
  });

  it('accepts an unknown event with 202 and changes nothing', async () => {
    expect(await deliver('star', example('star', 'created'))).toMatchObject({
      status: 202,
      body: { result: 'ignored: event "star" is not handled' },
    });
    expect(await roundCount()).toBe(0);
  });

  it('ignores a label that is not sc', async () => {
    const payload = example('issues', 'labeled');
    expect(payload.label.name).toBe('bug');
    expect(await deliver('issues', payload)).toMatchObject({
      status: 202,
      body: { result: 'ignored: label "bug" is not "sc"' },
    });
    expect(await roundCount()).toBe(0);
  });

  it('ignores a comment that is not a command', async () => {
    const payload = example('issue_comment', 'created');
    payload.issue.pull_request = { url: 'https://api.github.com/repos/Codertocat/Hello-World/pulls/1' };
    expect(await deliver('issue_comment', payload)).toMatchObject({
      status: 202,
      body: { result: 'ignored: comment is not an /sc command' },
    });
    expect(await roundCount()).toBe(0);
  });

  it('turns an issue labelled sc into a work-order and a Round, comments with its link, and ignores the replayed delivery', async () => {
    const payload = example('issues', 'labeled');
    payload.label.name = 'sc';
    const raw = JSON.stringify(payload);
    const headers = {
      'x-github-event': 'issues',
      'x-github-delivery': randomUUID(),
      'x-hub-signature-256': signature(raw),
    };
    const answer = await sc.call('POST', '/webhooks/github', { raw, headers });
    expect(answer).toMatchObject({
      status: 200,
      body: { result: 'round queued', round_id: expect.any(String), workorder_id: expect.any(String) },
    });
    const { round_id, workorder_id } = answer.body;

    expect((await sc.call('GET', `/rounds/${round_id}`, { headers: auth })).body).toMatchObject({
      title: payload.issue.title,
      labels: ['github', 'github-issue:1'],
    });
    expect((await sc.call('GET', `/workorders/${workorder_id}`, { headers: auth })).body).toMatchObject({
      title: payload.issue.title,
      instructions: payload.issue.body,
      repo: { url: payload.repository.clone_url, base_ref: payload.repository.default_branch },
      params: { github: { repository: 'Codertocat/Hello-World', issue_number: 1 } },
    });
    const comments = await until(
      () => nonEmpty(github.callsTo('POST', /^\/repos\/Codertocat\/Hello-World\/issues\/1\/comments$/)),
      { what: 'bot comment' },
    );
    expect(comments[0]).toMatchObject({ authorization: 'token ghp_test' });
    expect((comments[0].body as { body: string }).body).toContain(
      `[\`${round_id}\`](https://sc.example/rounds/${round_id})`,
    );

    const replay = await sc.call('POST', '/webhooks/github', { raw, headers });
    expect(replay).toMatchObject({ status: 202, body: { result: 'repeated delivery ignored' } });
    expect(await roundCount()).toBe(1);
  });

  it('reads work-order fields from a ```sc block in the issue, and answers a wrong one with a comment instead of a Round', async () => {
    const payload = example('issues', 'labeled');
    payload.label.name = 'sc';
    payload.issue.number = 5;
    payload.issue.body =
      'Fix the spelling.\n\n```sc\nphases: [coding]\nacceptance: ["true"]\npull_request: { draft: true }\n```\n';
    const answer = await deliver('issues', payload);
    expect(answer).toMatchObject({ status: 200, body: { result: 'round queued' } });
    expect((await sc.call('GET', `/workorders/${answer.body.workorder_id}`, { headers: auth })).body).toMatchObject({
      instructions: 'Fix the spelling.',
      phases: ['coding'],
      acceptance: ['true'],
      pull_request: { draft: true },
    });

    const before = await roundCount();
    payload.issue.number = 6;
    payload.issue.body = 'Fix it.\n```sc\nplugin: no-such-plugin\n```';
    expect(await deliver('issues', payload)).toMatchObject({
      status: 202,
      body: { result: expect.stringContaining('did not start a Round: unknown plugin "no-such-plugin"') },
    });
    expect(await roundCount()).toBe(before);
    const [told] = github.callsTo('POST', /^\/repos\/Codertocat\/Hello-World\/issues\/6\/comments$/);
    expect((told.body as { body: string }).body).toContain(
      'Solar Circuit did not start a Round: unknown plugin "no-such-plugin"',
    );
  });

  describe('on a pull request', () => {
    let roundId: string;

    /** GitHub's issue_comment example, on pull request #1, saying `body`. */
    const commentOnPull = (body: string) => {
      const payload = example('issue_comment', 'created');
      payload.issue.pull_request = { url: 'https://api.github.com/repos/Codertocat/Hello-World/pulls/1' };
      payload.comment.body = body;
      return payload;
    };

    beforeAll(() => {
      github.pulls.set('Codertocat/Hello-World#1', {
        number: 1,
        title: 'Update the README with new information',
        head: { ref: 'changes', repo: { clone_url: 'https://github.com/Codertocat/Hello-World.git' } },
        base: { ref: 'master', repo: { clone_url: 'https://github.com/Codertocat/Hello-World.git' } },
      });
    });

    it('/sc run starts a new Round on the pull request branch', async () => {
      const answer = await deliver('issue_comment', commentOnPull('/sc run echo say hello\nfrom a comment'));
      expect(answer).toMatchObject({ status: 200, body: { result: 'round queued', round_id: expect.any(String) } });
      roundId = answer.body.round_id;
      expect(github.callsTo('GET', /^\/repos\/Codertocat\/Hello-World\/pulls\/1$/)).toHaveLength(1);
      const round = (await sc.call('GET', `/rounds/${roundId}`, { headers: auth })).body;
      expect(round).toMatchObject({
        plugin: 'echo',
        branch: 'changes',
        state: 'queued',
        labels: ['github', 'github-pr:1'],
        title: 'PR #1: say hello',
      });
      expect((await sc.call('GET', `/workorders/${round.workorder_id}`, { headers: auth })).body).toMatchObject({
        instructions: 'say hello\nfrom a comment',
        repo: { base_ref: 'changes' },
      });
    });

    it('/sc cancel cancels it, and the bot edits its comment to say so', async () => {
      const answer = await deliver('issue_comment', commentOnPull('/sc cancel'));
      expect(answer).toMatchObject({ status: 200, body: { result: 'cancel requested', round_id: roundId } });
      expect((await sc.call('GET', `/rounds/${roundId}`, { headers: auth })).body).toMatchObject({
        state: 'cancelled',
      });
      const [posted] = github
        .callsTo('POST', /^\/repos\/Codertocat\/Hello-World\/issues\/1\/comments$/)
        .filter((call) => (call.body as { body: string }).body.includes(roundId));
      expect(posted).toBeDefined();
      const edits = await until(
        () =>
          nonEmpty(
            github
              .callsTo('PATCH', /^\/repos\/Codertocat\/Hello-World\/issues\/comments\/\d+$/)
              .filter((call) => (call.body as { body: string }).body.includes(roundId)),
          ),
        { what: 'edited comment' },
      );
      expect((edits[0].body as { body: string }).body).toContain('ended: **cancelled**');
    });

    it('/sc cancel of a Round that has ended says so in a comment', async () => {
      expect(await deliver('issue_comment', commentOnPull('/sc cancel'))).toMatchObject({
        status: 202,
        body: { result: `ignored: did not cancel: Round \`${roundId}\` has already ended` },
      });
      const told = github.callsTo('POST', /^\/repos\/Codertocat\/Hello-World\/issues\/1\/comments$/).at(-1)!;
      expect((told.body as { body: string }).body).toBe(
        `Solar Circuit did not cancel: Round \`${roundId}\` has already ended`,
      );
    });
  });
});

describe('POST /webhooks/github without GitHub settings', () => {
  let sc: OrchestratorStack;

  beforeAll(async () => {
    sc = await startOrchestratorStack({ GITHUB_WEBHOOK_SECRET: 'short' });
  });

  afterAll(async () => {
    await sc?.close();
  });

  it('says why in one log line, answers 404 there, and the rest of the API runs', async () => {
    await until(
      () =>
        /"reason":"GITHUB_WEBHOOK_SECRET: expected at least 16 characters, got 5".*"msg":"github integration disabled"/.test(
          sc.orchestrator.output(),
        ),
      { what: 'the log line' },
    );
    const raw = JSON.stringify(example('ping'));
    expect(
      await sc.call('POST', '/webhooks/github', {
        raw,
        headers: { 'x-github-event': 'ping', 'x-github-delivery': randomUUID(), 'x-hub-signature-256': signature(raw) },
      }),
    ).toMatchObject({
      status: 404,
      body: { message: 'the GitHub integration is not configured' },
    });
    expect((await sc.call('GET', '/rounds')).status).toBe(200);
  });
});

describe('POST /webhooks/github as a GitHub App', () => {
  let sc: OrchestratorStack;
  let github: FakeGitHub;
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });

  beforeAll(async () => {
    github = await FakeGitHub.start();
    sc = await startOrchestratorStack({
      GITHUB_WEBHOOK_SECRET: secret,
      GITHUB_APP_ID: '4242',
      // As an environment file often holds it: one line, newlines escaped.
      GITHUB_APP_PRIVATE_KEY: privateKey.replace(/\n/g, '\\n'),
      GITHUB_APP_INSTALLATION_ID: '77',
      GITHUB_API_URL: github.url,
    });
  });

  afterAll(async () => {
    await sc?.close();
    await github?.close();
  });

  it('comments with an installation token obtained with a JWT signed by the App key', async () => {
    const payload = example('issues', 'labeled');
    payload.label.name = 'sc';
    const raw = JSON.stringify(payload);
    const answer = await sc.call('POST', '/webhooks/github', {
      raw,
      headers: { 'x-github-event': 'issues', 'x-github-delivery': randomUUID(), 'x-hub-signature-256': signature(raw) },
    });
    expect(answer).toMatchObject({ status: 200, body: { result: 'round queued' } });

    const [comment] = await until(
      () => nonEmpty(github.callsTo('POST', /^\/repos\/Codertocat\/Hello-World\/issues\/1\/comments$/)),
      { what: 'bot comment' },
    );
    expect(comment.authorization).toBe('token ghs_installation_77');
    const [exchange] = github.callsTo('POST', /^\/app\/installations\/77\/access_tokens$/);
    const jwt = /^bearer (.+)$/i.exec(exchange.authorization ?? '')?.[1] ?? '';
    const [header, claims, signed] = jwt.split('.');
    expect(verify('RSA-SHA256', Buffer.from(`${header}.${claims}`), publicKey, Buffer.from(signed, 'base64url'))).toBe(
      true,
    );
    expect(JSON.parse(Buffer.from(claims, 'base64url').toString())).toMatchObject({ iss: 4242 });
  });
});

describe('bot comments across an outage', () => {
  let sc: OrchestratorStack;
  let github: FakeGitHub;
  let restarted: OrchestratorProcess | undefined;

  beforeAll(async () => {
    github = await FakeGitHub.start();
    sc = await startOrchestratorStack({
      GITHUB_WEBHOOK_SECRET: secret,
      GITHUB_TOKEN: 'ghp_test',
      GITHUB_API_URL: github.url,
    });
  });

  afterAll(async () => {
    await restarted?.stop();
    await sc?.close();
    await github?.close();
  });

  it('edits at the next start a comment GitHub refused to edit when the Round ended', async () => {
    const payload = example('issues', 'labeled');
    payload.label.name = 'sc';
    const raw = JSON.stringify(payload);
    const answer = await sc.call('POST', '/webhooks/github', {
      raw,
      headers: { 'x-github-event': 'issues', 'x-github-delivery': randomUUID(), 'x-hub-signature-256': signature(raw) },
    });
    const roundId: string = answer.body.round_id;
    await until(() => nonEmpty(github.callsTo('POST', /\/issues\/1\/comments$/)), { what: 'bot comment' });

    github.failNext('PATCH', /\/issues\/comments\/\d+$/, 502);
    expect((await sc.call('POST', `/rounds/${roundId}/cancel`)).body).toMatchObject({ state: 'cancelled' });
    await until(() => sc.orchestrator.output().includes('github comment not updated'), { what: 'refused edit' });
    expect(github.callsTo('PATCH', /\/issues\/comments\/\d+$/)).toHaveLength(1);

    await sc.orchestrator.stop();
    restarted = await startOrchestrator(sc.stack);
    const [, edit] = await until(
      () => {
        const edits = github.callsTo('PATCH', /\/issues\/comments\/\d+$/);
        return edits.length >= 2 && edits;
      },
      { what: 'comment edited after the restart' },
    );
    expect((edit.body as { body: string }).body).toContain(`Round \`${roundId}\` ended: **cancelled**`);
  });
});
