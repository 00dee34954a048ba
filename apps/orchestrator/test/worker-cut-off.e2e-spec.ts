import { redisUrl, type StackProcess } from '../../../test/support/local-stack';
import { startTcpProxy, type TcpProxy } from '../../../test/support/tcp-proxy';
import { until } from '../../../test/support/until';
import { ReliabilityStack, trail } from './support/reliability-stack';

// Short locks: the cut-off worker gives up, and the other takes over, within seconds.
const lockMs = 2_000;

/** A worker whose link to Redis is cut mid-Round (a TCP proxy that stops forwarding, no reset), and one that is not. */
describe('a worker cut off from Redis mid-Round', () => {
  let sc: ReliabilityStack;
  let proxy: TcpProxy;

  beforeAll(async () => {
    sc = await ReliabilityStack.create({ SC_WORKER_LOCK_MS: String(lockMs) });
    await sc.startOrchestrator();
    const redis = new URL(redisUrl);
    proxy = await startTcpProxy(redis.hostname, Number(redis.port || 6379));
  });

  afterAll(async () => {
    proxy?.heal();
    await sc?.close();
    await proxy?.close();
  });

  it('stops its Round when it cannot renew the lock, and another worker runs it to one Report; the cut-off one never reports', async () => {
    const cutOff = await sc.startWorker({ REDIS_URL: `redis://127.0.0.1:${proxy.port}` });
    const roundId = await sc.submitWait(8_000);
    await sc.roundWhen(
      roundId,
      (round) => round.state === 'running' && sc.holderOf(round) === cutOff,
      'running on the worker behind the proxy',
    );
    const other: StackProcess = await sc.startWorker();

    proxy.cut();
    await until(() => cutOff.output().includes('"msg":"round abandoned"'), {
      timeoutMs: 30_000,
      what: 'the cut-off worker abandoning its Round',
    });
    const { round, report } = await sc.ended(roundId, 60_000);
    expect(round.state).toBe('succeeded');
    expect(report.worker).toBe(round.worker);
    expect(sc.holderOf(round)).toBe(other);

    // Linked again, the cut-off worker sends what it still held and stops: nothing of it may end the Round again.
    proxy.heal();
    await cutOff.stop();
    const after = await sc.call('GET', `/rounds/${roundId}`);
    expect(trail(after.body).filter(([, to]) => to === 'succeeded')).toHaveLength(1);
    expect(after.body.worker).toBe(round.worker);
    expect((await sc.call('GET', `/reports/${roundId}`)).body.worker).toBe(round.worker);
    expect(cutOff.output()).not.toContain('"msg":"round finished"');
  });
});
