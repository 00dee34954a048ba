import { QueueName, roundJobId } from '@sc/schemas';
import type { ChildProcess } from 'node:child_process';
import { freePort } from '../../../test/support/local-stack';
import { startRedis, stopRedis } from '../../../test/support/redis-server';
import { until } from '../../../test/support/until';
import { echoOrder, startOrchestratorStack, type OrchestratorStack } from './support/orchestrator-stack';

describe('POST /workorders while Redis is down (transactional outbox)', () => {
  let port: number;
  let redis: ChildProcess;
  let sc: OrchestratorStack;

  beforeAll(async () => {
    port = await freePort();
    redis = await startRedis(port);
    sc = await startOrchestratorStack({ REDIS_URL: `redis://127.0.0.1:${port}` });
  });
  afterAll(async () => {
    await sc?.close();
    await stopRedis(redis);
  });

  it('answers queued, keeps the job, and enqueues it when Redis is back', async () => {
    await stopRedis(redis);
    await until(async () => (await sc.call('GET', '/health')).status === 503, { what: 'health 503' });

    const answer = await sc.call('POST', '/workorders', { body: echoOrder() });
    expect(answer).toMatchObject({ status: 200, body: { status: 'queued' } });
    expect((await sc.call('GET', `/rounds/${answer.body.round_id}`)).body.state).toBe('queued');

    redis = await startRedis(port);
    const { Queue } = await import('bullmq');
    const queue = new Queue(QueueName.WorkOrders, {
      connection: { host: '127.0.0.1', port },
      prefix: sc.stack.queuePrefix,
    });
    try {
      const job = await until(() => queue.getJob(roundJobId(answer.body.round_id, 1)), {
        timeoutMs: 30_000,
        what: 'job enqueued by the relay',
      });
      expect(job.data).toMatchObject({ round_id: answer.body.round_id, attempt: 1 });
    } finally {
      await queue.close();
    }
  });
});
