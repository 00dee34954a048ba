import { QueueName, roundJobId } from '@sc/schemas';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { freePort } from '../../../test/support/local-stack';
import { until } from '../../../test/support/until';
import { echoOrder, startOrchestratorStack, type OrchestratorStack } from './support/orchestrator-stack';

/** A private redis-server on a spare port, which this test stops and starts (never the shared one). */
async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await until(() => output.includes('Ready to accept connections'), { what: 'redis-server ready' });
  return child;
}

async function stopRedis(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  child.kill('SIGKILL');
  await once(child, 'exit');
}

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
    const queue = new Queue(QueueName.WorkOrders, { connection: { host: '127.0.0.1', port }, prefix: sc.stack.queuePrefix });
    try {
      const job = await until(() => queue.getJob(roundJobId(answer.body.round_id, 1)), { timeoutMs: 30_000, what: 'job enqueued by the relay' });
      expect(job.data).toMatchObject({ round_id: answer.body.round_id, attempt: 1 });
    } finally {
      await queue.close();
    }
  });
});
