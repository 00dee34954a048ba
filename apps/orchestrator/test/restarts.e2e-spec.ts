import { isTerminal } from '@sc/schemas';
import { until } from '../../../test/support/until';
import { ReliabilityStack, trail } from './support/reliability-stack';

const lockMs = 1_500;

/** Waits for the process to exit and returns its exit code (null when a signal ended it). */
async function exitCode(proc: {
  child: { exitCode: number | null; signalCode: string | null };
}): Promise<number | null> {
  await until(() => proc.child.exitCode !== null || proc.child.signalCode !== null, {
    timeoutMs: 20_000,
    what: 'process exit',
  });
  return proc.child.exitCode;
}

describe('stopping and restarting the stack', () => {
  let sc: ReliabilityStack;

  beforeAll(async () => {
    sc = await ReliabilityStack.create({ SC_WORKER_LOCK_MS: String(lockMs) });
    await sc.startOrchestrator();
    await Promise.all([sc.startWorker(), sc.startWorker()]);
  });
  afterAll(() => sc?.close());

  it('SIGTERM on a worker hands its running Round back; another worker ends it once; the worker exits 0', async () => {
    const roundId = await sc.submitWait(3_000, 'handed back');
    const running = await sc.roundWhen(roundId, (r) => r.state === 'running', 'running');
    const holder = sc.holderOf(running);
    void holder.stop();
    expect(await exitCode(holder)).toBe(0);
    sc.workers.splice(sc.workers.indexOf(holder), 1);

    const { round, report } = await sc.ended(roundId);
    expect(round.state).toBe('succeeded');
    expect(round.worker).not.toBe(running.worker);
    expect(trail(round)).toEqual([
      [null, 'queued', 'submitted'],
      ['queued', 'running', `started by ${running.worker}`],
      ['running', 'retrying', 'worker shutting down'],
      ['retrying', 'running', `started by ${round.worker}`],
      ['running', 'succeeded', 'finished: success'],
    ]);
    expect(report).toMatchObject({ status: 'success', attempt: 1, worker: round.worker });
    await sc.startWorker();
  });

  it('keeps the Reports of Rounds that end while the orchestrator is down, and stores them when it is back', async () => {
    const ids = await Promise.all([sc.submitWait(1_500, 'a'), sc.submitWait(1_500, 'b')]);
    await Promise.all(ids.map((id) => sc.roundWhen(id, (r) => r.state === 'running', 'running')));
    const orchestrator = sc.orchestrator;
    void orchestrator?.stop();
    expect(orchestrator && (await exitCode(orchestrator))).toBe(0);

    // Both workers finish while nobody stores anything: the finished messages wait in Redis.
    await until(
      () =>
        ids.every((id) =>
          sc.workers.some((worker) =>
            new RegExp(`"round_id":"${id}"[^\\n]*"msg":"round finished"`).test(worker.output()),
          ),
        ),
      {
        timeoutMs: 20_000,
        what: 'workers finished the Rounds',
      },
    );
    await sc.startOrchestrator();
    for (const id of ids) {
      const { round, report } = await sc.ended(id);
      expect(round.state).toBe('succeeded');
      expect(report).toMatchObject({ round_id: id, status: 'success', attempt: 1 });
    }
  });

  it('loses no Round across a restart of everything mid-way: each ends with one Report', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push(await sc.submitWait(800, `restart ${i}`));
    await until(async () => (await sc.call('GET', '/rounds?status=running')).body.items.length > 0, {
      what: 'a Round running',
    });
    await Promise.all([...sc.workers.splice(0).map((worker) => worker.stop()), sc.orchestrator?.stop()]);

    await sc.startOrchestrator();
    await Promise.all([sc.startWorker(), sc.startWorker()]);
    for (const id of ids) {
      const { round, report } = await sc.ended(id);
      expect(isTerminal(round.state)).toBe(true);
      expect(round.state).toBe('succeeded');
      expect(trail(round).filter(([, to]) => isTerminal(to))).toHaveLength(1);
      expect(report).toMatchObject({ round_id: id, status: 'success', attempt: 1 });
    }
  });
});
