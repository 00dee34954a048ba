import type { RoundState } from '@sc/schemas';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pgTestUrl } from '../../../test/support/postgres';
import { SentinelGroup } from '../../../test/support/redis-sentinel-group';
import { roundInvariantViolations, statesOnceEnded } from '../../../test/support/round-invariants';
import { ReliabilityStack } from './support/reliability-stack';

// The invariants are read from the orchestrator's Postgres tables; several hosts share one Postgres anyway.
const skipReason = pgTestUrl ? '' : ' [SKIPPED: PG_TEST_URL is not set]';
const rounds = 80;
// Submitted while the replica falls behind, just before the master dies: their jobs, and the Reports of Rounds
// ending then, reach the master only.
const laggingRounds = 10;

/**
 * An orchestrator and two workers that reach Redis through three Sentinels; the master is killed (SIGKILL, no
 * persistence: what it had not replicated is gone) while Rounds are being submitted and run, after its replica
 * fell seconds behind — the writes of those seconds are lost unless nobody took them as done before a replica had them.
 */
(pgTestUrl ? describe : describe.skip)(`Redis failing over under load${skipReason}`, () => {
  let group: SentinelGroup;
  let sc: ReliabilityStack;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sc-sentinel-'));
    group = await SentinelGroup.startOnLoopback({ dir, proxiedReplication: true });
    // A blank REDIS_URL is unset: the processes find Redis through the Sentinels only.
    // Short locks: a job whose lock the failover lost is run again soon.
    sc = await ReliabilityStack.create({
      REDIS_URL: '',
      ...group.env,
      SC_WORKER_CONCURRENCY: '8',
      SC_WORKER_LOCK_MS: '5000',
    });
    await sc.startOrchestrator();
    await sc.startWorker();
    await sc.startWorker();
  });

  afterAll(async () => {
    await sc?.close();
    await group?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('loses no submit and no Report, and ends every Round once', async () => {
    const oldMaster = await group.masterPort();
    const roundIds: string[] = [];
    let failedOver: Promise<number> | undefined;
    for (let i = 0; i < rounds; i++) {
      // Half of the Rounds are submitted before the replica falls behind, a few then, the rest while and after the failover runs.
      if (i === rounds / 2) group.holdReplication();
      if (i === rounds / 2 + laggingRounds) failedOver = group.failOver();
      roundIds.push(await sc.submitWait(200 + ((i * 37) % 1_500), `failover ${i}`));
    }
    expect(await failedOver).not.toBe(oldMaster);

    const states = async () =>
      Promise.all(roundIds.map(async (id) => (await sc.call('GET', `/rounds/${id}`)).body.state as RoundState));
    expect((await statesOnceEnded(states, 60_000)).filter((state) => state !== 'succeeded')).toEqual([]);
    expect(await roundInvariantViolations(sc.stack.env.DATABASE_URL!, roundIds)).toEqual([]);
    for (const worker of sc.workers) expect(worker.output()).not.toContain('no Redis replica acknowledged');
  }, 120_000);
});
