import { QueueName, roundJobId } from '@sc/schemas';
import { until } from '../../../test/support/until';
import { echoOrder, startOrchestratorStack, type OrchestratorStack } from './support/orchestrator-stack';

describe('rounds', () => {
  let sc: OrchestratorStack;
  beforeAll(async () => {
    sc = await startOrchestratorStack();
  });
  afterAll(() => sc?.close());

  async function submit(overrides: Record<string, unknown> = {}): Promise<{ workorder_id: string; round_id: string }> {
    const answer = await sc.call('POST', '/workorders', { body: echoOrder(overrides) });
    expect(answer.status).toBe(200);
    return answer.body;
  }

  it.each(['/rounds/nope', '/rounds/nope/events'])('answers 404 for GET %s', async (path) => {
    expect(await sc.call('GET', path)).toEqual({
      status: 404,
      body: { statusCode: 404, error: 'Not Found', message: 'round nope not found' },
    });
  });

  it.each(['cancel', 'retry', 'commits'])('answers 404 for POST /rounds/nope/%s', async (action) => {
    const answer = await sc.call(
      'POST',
      `/rounds/nope/${action}`,
      action === 'commits' ? { body: { sha: 'abcdef1' } } : {},
    );
    expect(answer.status).toBe(404);
  });

  it('walks every Round exactly once with the cursor, newest first, and filters', async () => {
    const label = `walk-${Date.now()}`;
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push((await submit({ labels: [label], title: `Walk ${i}` })).round_id);
    const other = await submit({ labels: [`${label}-other`], plugin: 'shell', title: 'Other branch' });

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `/rounds?label=${label}&limit=3${cursor ? `&cursor=${cursor}` : ''}`;
      const page = await sc.call('GET', query);
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.body.items.map((item: { id: string }) => item.id));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());

    const byPlugin = await sc.call('GET', '/rounds?plugin=shell');
    expect(byPlugin.body.items.map((item: { id: string }) => item.id)).toEqual([other.round_id]);
    const byBranch = await sc.call('GET', `/rounds?branch=${encodeURIComponent(byPlugin.body.items[0].branch)}`);
    expect(byBranch.body.items.map((item: { id: string }) => item.id)).toEqual([other.round_id]);
    const byStatus = await sc.call('GET', `/rounds?status=queued&label=${label}&limit=200`);
    expect(byStatus.body.items).toHaveLength(7);
    expect((await sc.call('GET', `/rounds?status=succeeded&label=${label}`)).body).toEqual({
      items: [],
      next_cursor: null,
    });
  });

  it('finds Rounds by a prefix of their id, and refuses a prefix no id could have', async () => {
    const { round_id } = await submit({});
    const page = await sc.call('GET', `/rounds?id_prefix=${round_id.slice(0, 30)}`);
    expect(page.body.items.map((item: { id: string }) => item.id)).toEqual([round_id]);
    expect(
      (await sc.call('GET', `/rounds?id_prefix=${round_id.slice(0, 1)}&limit=200`)).body.items.map(
        (item: { id: string }) => item.id,
      ),
    ).toContain(round_id);
    const bad = await sc.call('GET', '/rounds?id_prefix=0193%25');
    expect(bad.status).toBe(400);
    expect(bad.body.details).toEqual([{ path: '/id_prefix', message: expect.any(String) }]);
  });

  it('answers 400 with details for a bad query', async () => {
    const answer = await sc.call('GET', '/rounds?status=done&limit=0&colour=red');
    expect(answer.status).toBe(400);
    expect(answer.body.details.map((d: { path: string }) => d.path).sort()).toEqual(['/colour', '/limit', '/status']);
    const badCursor = await sc.call('GET', '/rounds?cursor=bm90IGEgY3Vyc29y');
    expect(badCursor.body).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: expect.any(String),
      details: [{ path: '/cursor', message: expect.any(String) }],
    });
  });

  it('cancels a queued Round and removes its job from the queue', async () => {
    const { round_id } = await submit();
    const queue = sc.queue(QueueName.WorkOrders);
    // The relay enqueues right after the submit commits, without holding up the answer.
    await until(() => queue.getJob(roundJobId(round_id, 1)), { what: 'the job of attempt 1' });

    const answer = await sc.call('POST', `/rounds/${round_id}/cancel`);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ id: round_id, state: 'cancelled', finished_at: expect.any(String) });
    expect(answer.body.transitions.map((t: { to: string; reason: string }) => [t.to, t.reason])).toEqual([
      ['queued', 'submitted'],
      ['cancelled', 'cancel requested by API'],
    ]);
    expect(await queue.getJob(roundJobId(round_id, 1))).toBeUndefined();

    // Terminal: a second cancel is a conflict.
    const again = await sc.call('POST', `/rounds/${round_id}/cancel`);
    expect(again).toEqual({
      status: 409,
      body: { statusCode: 409, error: 'Conflict', message: 'illegal transition cancelled → cancelled' },
    });
  });

  it('refuses to retry a Round that is still queued (409), and retries a cancelled one as attempt 2', async () => {
    const { round_id } = await submit();
    expect(await sc.call('POST', `/rounds/${round_id}/retry`)).toEqual({
      status: 409,
      body: { statusCode: 409, error: 'Conflict', message: 'illegal transition queued → queued' },
    });

    await sc.call('POST', `/rounds/${round_id}/cancel`);
    const retried = await sc.call('POST', `/rounds/${round_id}/retry`);
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ state: 'queued', attempt: 2, finished_at: null });
    expect(retried.body.transitions.at(-1)).toMatchObject({
      from: 'cancelled',
      to: 'queued',
      reason: 'retry requested by API',
      attempt: 2,
    });
    const job = await until(() => sc.queue(QueueName.WorkOrders).getJob(roundJobId(round_id, 2)), {
      what: 'the job of attempt 2',
    });
    expect(job.data).toMatchObject({ round_id, attempt: 2 });
    // Attempt 1 was cancelled while queued: no Report, no session to resume.
    expect(job.data.resume_from).toBeUndefined();
  });

  it('takes { "fresh": true } on a retry, and refuses any other body with 400 naming it', async () => {
    const { round_id } = await submit();
    await sc.call('POST', `/rounds/${round_id}/cancel`);
    const bad = await sc.call('POST', `/rounds/${round_id}/retry`, { body: { fresh: 'yes', again: 1 } });
    expect(bad.status).toBe(400);
    expect(bad.body.details).toEqual(expect.arrayContaining([expect.objectContaining({ path: '/fresh' })]));
    const fresh = await sc.call('POST', `/rounds/${round_id}/retry`, { body: { fresh: true } });
    expect(fresh.status).toBe(200);
    expect(fresh.body.transitions.at(-1)).toMatchObject({
      to: 'queued',
      reason: 'retry requested by API (fresh)',
      attempt: 2,
    });
  });

  it('records commits of a Round once per sha and lists them', async () => {
    const { round_id } = await submit();
    const commit = { sha: 'abcdef1234567', branch: 'feat/wo-x', message: 'Add it' };
    const first = await sc.call('POST', `/rounds/${round_id}/commits`, { body: commit });
    expect(first).toEqual({ status: 200, body: { ...commit, round_id, recorded_at: expect.any(String) } });
    expect(await sc.call('POST', `/rounds/${round_id}/commits`, { body: commit })).toEqual(first);
    expect((await sc.call('GET', `/rounds/${round_id}`)).body.commits).toEqual([commit]);

    const bad = await sc.call('POST', `/rounds/${round_id}/commits`, { body: { sha: 'NOT-A-SHA', extra: 1 } });
    expect(bad.status).toBe(400);
    expect(bad.body.details.map((d: { path: string }) => d.path).sort()).toEqual(['/extra', '/sha']);
  });

  it('streams the stored transitions of a finished Round, then ends the stream', async () => {
    const { round_id } = await submit();
    await sc.call('POST', `/rounds/${round_id}/cancel`);
    const response = await fetch(`${sc.orchestrator.url}/rounds/${round_id}/events`, {
      headers: { accept: 'text/event-stream' },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const text = await response.text();
    const events = text
      .split('\n')
      .filter((line) => line.startsWith('data: '))
      .map((line) => JSON.parse(line.slice(6)) as { type: string; to: string });
    expect(events.map((event) => [event.type, event.to])).toEqual([
      ['transition', 'queued'],
      ['transition', 'cancelled'],
    ]);
  });
});
