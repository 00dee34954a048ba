import { ReliabilityStack, trail } from './support/reliability-stack';

// Short locks so a dead worker's job is found within seconds; the Rounds last several lock periods, so a
// live worker must keep renewing its lock to keep them.
const lockMs = 1_500;

describe('a worker killed mid-Round (kill -9)', () => {
  let sc: ReliabilityStack;

  beforeAll(async () => {
    sc = await ReliabilityStack.create({ SC_WORKER_LOCK_MS: String(lockMs) });
    await sc.startOrchestrator();
    await Promise.all([sc.startWorker(), sc.startWorker()]);
  });
  afterAll(() => sc?.close());

  it('hands the Round to the other worker, which ends it once with one Report; a long Round on a live worker stays there', async () => {
    const crashed = await sc.submitWait(3 * lockMs, 'crashed');
    const running = await sc.roundWhen(crashed, (r) => r.state === 'running', 'running');
    const victim = sc.holderOf(running);
    // The other worker is free: the long Round goes to it, and must stay there for all its lock periods.
    const long = await sc.submitWait(4 * lockMs, 'long');
    const longRunning = await sc.roundWhen(long, (r) => r.state === 'running', 'running');
    expect(sc.holderOf(longRunning)).not.toBe(victim);
    await victim.kill();

    const { round, report } = await sc.ended(crashed);
    const survivor = sc.workers.find((worker) => worker !== victim);
    expect(round).toMatchObject({
      state: 'succeeded',
      attempt: 1,
      worker: survivor && `${running.worker?.split(':')[0]}:${survivor.child.pid}`,
    });
    expect(trail(round)).toEqual([
      [null, 'queued', 'submitted'],
      ['queued', 'running', `started by ${running.worker}`],
      ['running', 'retrying', `worker lost: ${running.worker}`],
      ['retrying', 'running', `started by ${round.worker}`],
      ['running', 'succeeded', 'finished: success'],
    ]);
    expect(report).toMatchObject({ status: 'success', attempt: 1, worker: round.worker });

    const longEnded = await sc.ended(long);
    expect(trail(longEnded.round)).toEqual([
      [null, 'queued', 'submitted'],
      ['queued', 'running', `started by ${longRunning.worker}`],
      ['running', 'succeeded', 'finished: success'],
    ]);
    // One finished message per Round reached the orchestrator: no second Report was even offered.
    const output = sc.orchestrator?.output() ?? '';
    expect(output).not.toContain('"msg":"duplicate report ignored"');
    for (const worker of sc.workers)
      expect(
        worker.output().match(new RegExp(`"round_id":"${long}"[^\\n]*"msg":"round started"`, 'g')) ?? [],
      ).toHaveLength(worker === sc.holderOf(longRunning) ? 1 : 0);
  });
});
