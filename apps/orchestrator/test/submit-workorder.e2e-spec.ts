import { JobName, QueueName, roundJobId } from '@sc/schemas';
import { echoOrder, startOrchestratorStack, type OrchestratorStack } from './support/orchestrator-stack';

describe('POST /workorders', () => {
  let sc: OrchestratorStack;
  beforeAll(async () => {
    sc = await startOrchestratorStack();
  });
  afterAll(() => sc?.close());

  it('stores a valid work-order, creates a queued Round and enqueues its job', async () => {
    const answer = await sc.call('POST', '/workorders', { body: echoOrder() });
    expect(answer).toEqual({ status: 200, body: { workorder_id: expect.any(String), round_id: expect.any(String), status: 'queued' } });
    const { workorder_id, round_id } = answer.body;

    const stored = await sc.call('GET', `/workorders/${workorder_id}`);
    expect(stored.status).toBe(200);
    expect(stored.body).toMatchObject({ id: workorder_id, title: 'Say hello', plugin: 'echo', priority: 5, phases: ['coding'], branch: expect.stringMatching(/^feat\/wo-\d{8}-say-hello$/) });
    expect(stored.body.phase_timeout).toEqual({ coding: 'PT30M', testing: 'PT45M' });

    const round = await sc.call('GET', `/rounds/${round_id}`);
    expect(round.body).toMatchObject({ id: round_id, workorder_id, state: 'queued', attempt: 1, labels: ['demo'], commits: [] });
    expect(round.body.transitions).toEqual([{ from: null, to: 'queued', reason: 'submitted', attempt: 1, at: expect.any(String) }]);

    const job = await sc.queue(QueueName.WorkOrders).getJob(roundJobId(round_id, 1));
    expect(job?.name).toBe(JobName.RunRound);
    expect(job?.opts.priority).toBe(5);
    expect(job?.data).toMatchObject({ round_id, workorder_id, attempt: 1, order: { id: workorder_id, plugin: 'echo' } });
  });

  it('answers 400 listing every failing JSON path', async () => {
    const answer = await sc.call('POST', '/workorders', { body: { title: 7, priority: 11, budget: { max_tokens: 0 }, surprise: true } });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ statusCode: 400, error: 'Bad Request', message: expect.stringContaining('invalid work-order') });
    expect(answer.body.details.map((d: { path: string }) => d.path).sort()).toEqual(['/budget/max_tokens', '/instructions', '/priority', '/surprise', '/title']);
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
    const answer = await sc.call('POST', '/workorders', { body: echoOrder({ instructions: 'x'.repeat(1024 * 1024 + 1) }) });
    expect(answer).toEqual({ status: 413, body: { statusCode: 413, error: 'Payload Too Large', message: 'request body is larger than 1 MiB' } });
  });

  it('answers 400 naming the known plugins for an unknown one', async () => {
    const answer = await sc.call('POST', '/workorders', { body: echoOrder({ plugin: 'nope' }) });
    expect(answer.status).toBe(400);
    expect(answer.body.message).toMatch(/unknown plugin "nope"; known plugins: .*echo/);
    expect(answer.body.details).toEqual([{ path: '/plugin', message: expect.stringContaining('echo') }]);
  });

  it('answers 404 for an unknown work-order', async () => {
    expect(await sc.call('GET', '/workorders/nope')).toEqual({ status: 404, body: { statusCode: 404, error: 'Not Found', message: 'work-order nope not found' } });
  });

  it('gives the same answer and no second Round for a repeated Idempotency-Key', async () => {
    const key = `key-${Date.now()}`;
    const first = await sc.call('POST', '/workorders', { body: echoOrder({ labels: [key] }), headers: { 'idempotency-key': key } });
    const second = await sc.call('POST', '/workorders', { body: echoOrder({ labels: [key] }), headers: { 'idempotency-key': key } });
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

  it('creates one Round for 20 concurrent identical submits', async () => {
    const id = `wo-race-${Date.now()}`;
    const answers = await Promise.all(Array.from({ length: 20 }, () => sc.call('POST', '/workorders', { body: echoOrder({ id, labels: [id] }) })));
    expect(new Set(answers.map((a) => a.status))).toEqual(new Set([200]));
    expect(new Set(answers.map((a) => a.body.round_id)).size).toBe(1);
    const page = await sc.call('GET', `/rounds?label=${id}`);
    expect(page.body.items).toHaveLength(1);
  });

  it('refuses a malformed Idempotency-Key with 400', async () => {
    const answer = await sc.call('POST', '/workorders', { body: echoOrder(), headers: { 'idempotency-key': 'x'.repeat(201) } });
    expect(answer.status).toBe(400);
    expect(answer.body.details).toEqual([{ path: '/headers/idempotency-key', message: expect.any(String) }]);
  });
});
