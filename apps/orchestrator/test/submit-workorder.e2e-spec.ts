import { gzipSync } from 'node:zlib';
import { JobName, QueueName, roundJobId } from '@sc/schemas';
import { until } from '../../../test/support/until';
import { DatabaseRows } from './support/database-rows';
import { echoOrder, startOrchestratorStack, type OrchestratorStack } from './support/orchestrator-stack';

describe('POST /workorders', () => {
  let sc: OrchestratorStack;
  let rows: DatabaseRows;
  beforeAll(async () => {
    sc = await startOrchestratorStack();
    rows = await DatabaseRows.open(sc.stack);
  });
  afterAll(async () => {
    await rows?.close();
    await sc?.close();
  });

  it('stores a valid work-order, creates a queued Round and enqueues its job', async () => {
    const answer = await sc.call('POST', '/workorders', { body: echoOrder() });
    expect(answer).toEqual({
      status: 200,
      body: { workorder_id: expect.any(String), round_id: expect.any(String), status: 'queued' },
    });
    const { workorder_id, round_id } = answer.body;

    const stored = await sc.call('GET', `/workorders/${workorder_id}`);
    expect(stored.status).toBe(200);
    expect(stored.body).toMatchObject({
      id: workorder_id,
      title: 'Say hello',
      plugin: 'echo',
      priority: 5,
      phases: ['coding'],
      branch: expect.stringMatching(/^feat\/wo-\d{8}-say-hello-[0-9a-f]{8}$/),
    });
    expect(stored.body.phase_timeout).toEqual({ coding: 'PT30M', testing: 'PT45M' });

    const round = await sc.call('GET', `/rounds/${round_id}`);
    expect(round.body).toMatchObject({
      id: round_id,
      workorder_id,
      state: 'queued',
      attempt: 1,
      labels: ['demo'],
      commits: [],
    });
    expect(round.body.transitions).toEqual([
      { from: null, to: 'queued', reason: 'submitted', attempt: 1, at: expect.any(String) },
    ]);

    const job = await sc.queue(QueueName.WorkOrders).getJob(roundJobId(round_id, 1));
    expect(job?.name).toBe(JobName.RunRound);
    expect(job?.opts.priority).toBe(5);
    expect(job?.data).toMatchObject({
      round_id,
      workorder_id,
      attempt: 1,
      order: { id: workorder_id, plugin: 'echo' },
    });
  });

  it('answers 400 listing every failing JSON path', async () => {
    const answer = await sc.call('POST', '/workorders', {
      body: { title: 7, priority: 11, budget: { max_tokens: 0 }, surprise: true },
    });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({
      statusCode: 400,
      error: 'Bad Request',
      message: expect.stringContaining('invalid work-order'),
    });
    expect(answer.body.details.map((d: { path: string }) => d.path).sort()).toEqual([
      '/budget/max_tokens',
      '/instructions',
      '/priority',
      '/surprise',
      '/title',
    ]);
  });

  it.each([
    ['malformed JSON', '{"title": ', 'application/json'],
    ['a JSON array', '[]', 'application/json'],
    ['a JSON string', '"x"', 'application/json'],
    ['no JSON at all', 'title=x', 'text/plain'],
  ])('answers 400 for %s', async (_, raw, contentType) => {
    const answer = await sc.call('POST', '/workorders', { raw, headers: { 'content-type': contentType } });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ statusCode: 400, error: 'Bad Request', message: expect.any(String) });
  });

  it('answers 413 for a body over 1 MiB', async () => {
    const answer = await sc.call('POST', '/workorders', {
      body: echoOrder({ instructions: 'x'.repeat(1024 * 1024 + 1) }),
    });
    expect(answer).toEqual({
      status: 413,
      body: { statusCode: 413, error: 'Payload Too Large', message: 'request body is larger than 1 MiB' },
    });
  });

  it.each([
    ['gzip', 'plain JSON', Buffer.from(JSON.stringify(echoOrder()))],
    ['gzip', 'gzip cut short', gzipSync(JSON.stringify(echoOrder())).subarray(0, 20)],
    ['deflate', 'plain text', Buffer.from('not deflate')],
    ['br', 'plain text', Buffer.from('not brotli')],
  ])('answers 400 for Content-Encoding %s on %s, and stores nothing', async (encoding, _, body) => {
    const before = await rows.counts();
    const response = await fetch(`${sc.orchestrator.url}/workorders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': encoding },
      body,
    });
    expect({ status: response.status, body: await response.json() }).toEqual({
      status: 400,
      body: {
        statusCode: 400,
        error: 'Bad Request',
        message: expect.stringMatching(/^request body does not decompress as its Content-Encoding says: /),
      },
    });
    expect(await rows.counts()).toEqual(before);
  });

  it('takes a gzip body that is gzip', async () => {
    const body = gzipSync(JSON.stringify(echoOrder()));
    const response = await fetch(`${sc.orchestrator.url}/workorders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body,
    });
    expect(response.status).toBe(200);
  });

  it('answers 400 naming every string and key with a lone UTF-16 surrogate, and stores nothing', async () => {
    const before = await rows.counts();
    // JSON.stringify writes a lone surrogate as its escape, "\ud800": valid JSON, as a client would send it.
    const body = echoOrder({ title: 'Say \ud800hello', params: { 'k\udc00': 'cut \ud83d' } });
    const answer = await sc.call('POST', '/workorders', { body });
    const message = 'must not contain a lone UTF-16 surrogate (U+D800–U+DFFF)';
    expect(answer.status).toBe(400);
    expect(answer.body.details).toEqual([
      { path: '/title', message },
      { path: '/params/k\udc00', message: `name ${message}` },
      { path: '/params/k\udc00', message },
    ]);
    expect(await rows.counts()).toEqual(before);
  });

  it('answers 400 naming the known plugins for an unknown one', async () => {
    const answer = await sc.call('POST', '/workorders', { body: echoOrder({ plugin: 'nope' }) });
    expect(answer.status).toBe(400);
    expect(answer.body.message).toMatch(/unknown plugin "nope"; known plugins: .*echo/);
    expect(answer.body.details).toEqual([{ path: '/plugin', message: expect.stringContaining('echo') }]);
  });

  it("answers 400 with the /params paths that break the plugin's paramsSchema", async () => {
    const answer = await sc.call('POST', '/workorders', {
      body: echoOrder({ plugin: 'shell', params: { commands: ['true', 7] } }),
    });
    expect(answer.status).toBe(400);
    expect(answer.body.details).toEqual([{ path: '/params/commands/1', message: 'must be string' }]);
  });

  it('answers 400 naming the agent and model when a cost budget meets a model without a known price, and stores nothing', async () => {
    const before = (await rows.counts()).rounds;
    const body = echoOrder({
      plugin: 'agent-cli',
      repo: { path: '.' },
      budget: { max_cost_usd: 2 },
      agents: [
        { name: 'claude', model: 'sonnet', role: 'implementer' },
        { name: 'codex', model: 'gpt-9-imaginary', role: 'reviewer' },
      ],
    });
    const answer = await sc.call('POST', '/workorders', { body });
    expect(answer.status).toBe(400);
    expect(answer.body.details).toEqual([
      {
        path: '/agents/1/model',
        message: expect.stringMatching(/^agent codex: model gpt-9-imaginary has no known price/),
      },
    ]);
    expect((await rows.counts()).rounds).toBe(before);
    // Without the cost budget there is nothing a price is needed for.
    const unbudgeted = await sc.call('POST', '/workorders', { body: { ...body, budget: { max_tokens: 1000 } } });
    expect(unbudgeted.status).toBe(200);
  });

  it('answers 404 for an unknown work-order', async () => {
    expect(await sc.call('GET', '/workorders/nope')).toEqual({
      status: 404,
      body: { statusCode: 404, error: 'Not Found', message: 'work-order nope not found' },
    });
  });

  it('gives the same answer and no second Round for a repeated Idempotency-Key', async () => {
    const key = `key-${Date.now()}`;
    const first = await sc.call('POST', '/workorders', {
      body: echoOrder({ labels: [key] }),
      headers: { 'idempotency-key': key },
    });
    const second = await sc.call('POST', '/workorders', {
      body: echoOrder({ labels: [key] }),
      headers: { 'idempotency-key': key },
    });
    expect(first.status).toBe(200);
    expect(second).toEqual(first);
    expect((await sc.call('GET', `/rounds?label=${key}`)).body.items).toHaveLength(1);
  });

  it('gives the same answer for a repeated work-order id', async () => {
    const body = echoOrder({ id: `wo-same-${Date.now()}` });
    const first = await sc.call('POST', '/workorders', { body });
    const second = await sc.call('POST', '/workorders', { body });
    expect(first.status).toBe(200);
    expect(second).toEqual(first);
  });

  /** Jobs of the `workorders` queue for a work-order, whatever their state (no worker takes them here). */
  async function queuedJobsOf(workorderId: string): Promise<number> {
    const jobs = await sc
      .queue(QueueName.WorkOrders)
      .getJobs(['waiting', 'prioritized', 'delayed', 'active', 'completed', 'failed']);
    return jobs.filter((job) => job?.data?.workorder_id === workorderId).length;
  }

  /** Submits `body` 50 times at once and checks: one answer for all, one work-order, one Round, one outbox row, one job. */
  async function expectOneRoundFor50ConcurrentSubmits(
    body: Record<string, unknown>,
    headers: Record<string, string> = {},
  ): Promise<void> {
    const answers = await Promise.all(
      Array.from({ length: 50 }, () => sc.call('POST', '/workorders', { body, headers })),
    );
    expect(new Set(answers.map((a) => a.status))).toEqual(new Set([200]));
    expect(new Set(answers.map((a) => JSON.stringify(a.body))).size).toBe(1);
    const { workorder_id, round_id } = answers[0].body;
    expect(await rows.rowsWhere('workorders', 'id', workorder_id)).toHaveLength(1);
    expect(await rows.rowsWhere('rounds', 'workorder_id', workorder_id)).toHaveLength(1);
    expect(await rows.rowsWhere('outbox', 'job_id', roundJobId(round_id, 1))).toHaveLength(1);
    await until(async () => (await queuedJobsOf(workorder_id)) === 1, { what: 'the one job on the queue' });
  }

  it('creates one Round and one job for 50 concurrent submits of the same work-order id', async () => {
    const id = `wo-race-${Date.now()}`;
    await expectOneRoundFor50ConcurrentSubmits(echoOrder({ id, labels: [id] }));
  });

  it('creates one Round and one job for 50 concurrent submits with the same Idempotency-Key', async () => {
    const key = `race-key-${Date.now()}`;
    await expectOneRoundFor50ConcurrentSubmits(echoOrder({ labels: [key] }), { 'idempotency-key': key });
  });

  it('answers 422 for a reused Idempotency-Key with a different body, and stores nothing', async () => {
    const key = `reused-key-${Date.now()}`;
    const first = await sc.call('POST', '/workorders', {
      body: echoOrder({ title: 'First' }),
      headers: { 'idempotency-key': key },
    });
    expect(first.status).toBe(200);
    const before = await rows.counts();
    const second = await sc.call('POST', '/workorders', {
      body: echoOrder({ title: 'Second' }),
      headers: { 'idempotency-key': key },
    });
    expect(second).toEqual({
      status: 422,
      body: {
        statusCode: 422,
        error: 'Unprocessable Entity',
        message: `Idempotency-Key "${key}" was already used for work-order ${first.body.workorder_id} with a different body`,
      },
    });
    expect(await rows.counts()).toEqual(before);
  });

  it('answers 409 for a taken work-order id with a different body, and stores nothing', async () => {
    const id = `wo-taken-${Date.now()}`;
    expect((await sc.call('POST', '/workorders', { body: echoOrder({ id }) })).status).toBe(200);
    const before = await rows.counts();
    const second = await sc.call('POST', '/workorders', { body: echoOrder({ id, instructions: 'Something else.' }) });
    expect(second).toEqual({
      status: 409,
      body: { statusCode: 409, error: 'Conflict', message: `work-order ${id} already exists with a different body` },
    });
    expect(await rows.counts()).toEqual(before);
  });

  it('treats the same body with its keys in another order and its defaults spelled out as the same submit', async () => {
    const id = `wo-reordered-${Date.now()}`;
    const first = await sc.call('POST', '/workorders', { body: echoOrder({ id }) });
    const spelled = Object.fromEntries(Object.entries(echoOrder({ id, plugin: 'echo', priority: 5 })).reverse());
    expect(await sc.call('POST', '/workorders', { body: spelled })).toEqual(first);
  });

  describe('one branch per work-order', () => {
    const branchOf = async (workorderId: string): Promise<string> =>
      (await sc.call('GET', `/workorders/${workorderId}`)).body.branch;

    it('gives two work-orders with the same title on the same day different default branches', async () => {
      const first = await sc.call('POST', '/workorders', { body: echoOrder() });
      const second = await sc.call('POST', '/workorders', { body: echoOrder() });
      const [a, b] = [await branchOf(first.body.workorder_id), await branchOf(second.body.workorder_id)];
      expect(a).not.toBe(b);
      expect(a.endsWith(`-${first.body.workorder_id.slice(-8)}`)).toBe(true);
    });

    it("answers 409 naming the Round for a branch another work-order's Round is on, and stores nothing", async () => {
      const branch = `feat/taken-${Date.now()}`;
      const first = await sc.call('POST', '/workorders', { body: echoOrder({ branch }) });
      expect(first.status).toBe(200);
      const before = await rows.counts();
      const second = await sc.call('POST', '/workorders', { body: echoOrder({ branch, title: 'Unrelated' }) });
      expect(second).toEqual({
        status: 409,
        body: {
          statusCode: 409,
          error: 'Conflict',
          message: `branch ${branch} is taken by Round ${first.body.round_id} (work-order ${first.body.workorder_id}, queued); set continue_branch: true to continue it, or choose another branch`,
          details: [
            {
              path: '/branch',
              message: `is taken by Round ${first.body.round_id} of work-order ${first.body.workorder_id}`,
            },
          ],
        },
      });
      expect(await rows.counts()).toEqual(before);
      // Finished Rounds hold their branch too: their commits are on it.
      await sc.call('POST', `/rounds/${first.body.round_id}/cancel`);
      expect((await sc.call('POST', '/workorders', { body: echoOrder({ branch }) })).status).toBe(409);
    });

    it("lets a work-order that says continue_branch go on from another one's branch", async () => {
      const branch = `feat/continued-${Date.now()}`;
      const first = await sc.call('POST', '/workorders', { body: echoOrder({ branch }) });
      const second = await sc.call('POST', '/workorders', {
        body: echoOrder({ branch, title: 'Follow-up', continue_branch: true }),
      });
      expect(second.status).toBe(200);
      const onBranch = await sc.call('GET', `/rounds?branch=${encodeURIComponent(branch)}`);
      expect(onBranch.body.items.map((round: { id: string }) => round.id)).toEqual([
        second.body.round_id,
        first.body.round_id,
      ]);
    });

    it('answers a repeated submit with an explicit branch with its first answer, not a refusal of its own branch', async () => {
      const branch = `feat/repeated-${Date.now()}`;
      const byId = echoOrder({ id: `wo-branch-${Date.now()}`, branch });
      const first = await sc.call('POST', '/workorders', { body: byId });
      expect(await sc.call('POST', '/workorders', { body: byId })).toEqual(first);
      const keyed = {
        body: echoOrder({ branch: `${branch}-keyed` }),
        headers: { 'idempotency-key': `branch-key-${Date.now()}` },
      };
      const firstKeyed = await sc.call('POST', '/workorders', keyed);
      expect(await sc.call('POST', '/workorders', keyed)).toEqual(firstKeyed);
    });
  });

  it('refuses a malformed Idempotency-Key with 400', async () => {
    const answer = await sc.call('POST', '/workorders', {
      body: echoOrder(),
      headers: { 'idempotency-key': 'x'.repeat(201) },
    });
    expect(answer.status).toBe(400);
    expect(answer.body.details).toEqual([{ path: '/headers/idempotency-key', message: expect.any(String) }]);
  });
});
