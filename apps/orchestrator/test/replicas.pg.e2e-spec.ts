/* eslint-disable @typescript-eslint/no-explicit-any -- answers are checked by the assertions, not by types */
import { isTerminal } from '@sc/schemas';
import { Redis } from 'ioredis';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createStackEnv,
  redisUrl,
  startOrchestrator,
  startWorker,
  type OrchestratorProcess,
  type StackEnv,
  type StackProcess,
} from '../../../test/support/local-stack';
import { pgTestUrl } from '../../../test/support/postgres';
import { entryText, readRoundEvents } from '../../../test/support/round-event-stream';
import { parsePrometheusText, sampleValue } from '../../../test/support/prometheus-text';
import { until } from '../../../test/support/until';
import { echoOrder } from './support/orchestrator-stack';
import { waitPlugin } from './support/reliability-stack';

// Replicas share one database, which only the `postgres` jest project gives them (jest.config.ts).
const skipReason = pgTestUrl ? '' : ' [SKIPPED: PG_TEST_URL is not set]';

/** Two orchestrator replicas on one Postgres database and one Redis prefix, and one worker, as processes. */
(pgTestUrl ? describe : describe.skip)(`two orchestrator replicas${skipReason}`, () => {
  let stack: StackEnv;
  let replicas: OrchestratorProcess[];
  let worker: StackProcess;
  let redis: Redis;
  let repoDir: string;

  beforeAll(async () => {
    repoDir = mkdtempSync(join(tmpdir(), 'sc-replicas-repo-'));
    // The reaper every second: a takeover is seen soon.
    stack = createStackEnv({ SC_PLUGINS: waitPlugin, SC_REAPER_INTERVAL_MS: '1000', SC_WORKER_CONCURRENCY: '4' });
    if (!stack.env.DATABASE_URL) throw new Error('the replicas suite runs in the postgres jest project only');
    // One at a time: both would run the migrations at once otherwise.
    replicas = [await startOrchestrator(stack)];
    replicas.push(await startOrchestrator(stack));
    worker = await startWorker(stack);
    redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  });

  afterAll(async () => {
    await worker?.stop();
    await Promise.all((replicas ?? []).map((replica) => replica.stop()));
    const keys = await redis?.keys(`${stack.queuePrefix}:*`).catch(() => []);
    if (keys?.length) await redis.del(...keys);
    redis?.disconnect();
    stack?.cleanup();
    rmSync(repoDir, { recursive: true, force: true });
  });

  async function call(
    replica: OrchestratorProcess,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: any }> {
    const response = await fetch(`${replica.url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  }

  async function roundWhen(
    replica: OrchestratorProcess,
    roundId: string,
    isWanted: (round: any) => boolean,
    what: string,
  ): Promise<any> {
    return until(
      async () => {
        const round = await call(replica, 'GET', `/rounds/${roundId}`);
        return round.status === 200 && isWanted(round.body) ? round.body : undefined;
      },
      { timeoutMs: 45_000, what: `round ${roundId} ${what}` },
    );
  }

  /** Reads `GET /rounds/:id/events` of `replica` until the server ends it: each entry as `id text`. */
  async function stream(replica: OrchestratorProcess, roundId: string, query = ''): Promise<string[]> {
    const response = await fetch(`${replica.url}/rounds/${roundId}/events${query}`, {
      headers: { accept: 'text/event-stream' },
      signal: AbortSignal.timeout(60_000),
    });
    expect(response.status).toBe(200);
    return readRoundEvents(response);
  }

  it('streams every transition, phase event and log line of a Round on each replica, in order, once', async () => {
    const lines = 300;
    const order = {
      title: 'Chatty',
      instructions: 'Print.',
      plugin: 'shell',
      repo: { path: repoDir },
      phases: ['coding'],
      params: { commands: [`for i in $(seq 1 ${lines}); do echo line-$i; sleep 0.01; done`] },
    };
    const submitted = await call(replicas[0], 'POST', '/workorders', order);
    expect(submitted.status).toBe(200);
    const roundId = submitted.body.round_id as string;
    const followed = await Promise.all(replicas.map((replica) => stream(replica, roundId)));

    const replayed = await stream(replicas[1], roundId, '?follow=false');
    for (const entries of followed) expect(entries).toEqual(replayed);
    const printed = replayed.map(entryText).filter((text) => text.startsWith('line-'));
    expect(printed).toEqual(Array.from({ length: lines }, (_, i) => `line-${i + 1}`));
    expect(replayed.map(entryText).filter((text) => text.includes('→'))).toEqual([
      'new → queued',
      'queued → running',
      'running → succeeded',
    ]);
  });

  it('takes submits, cancels and retries on either replica', async () => {
    const [a, b] = replicas;
    const submitted = await call(b, 'POST', '/workorders', {
      title: 'Long',
      instructions: 'Wait.',
      plugin: 'wait',
      phases: ['coding'],
      params: { wait_ms: 60_000 },
    });
    expect(submitted.status).toBe(200);
    const roundId = submitted.body.round_id as string;
    await roundWhen(a, roundId, (round) => round.state === 'running', 'running');
    expect((await call(a, 'POST', `/rounds/${roundId}/cancel`)).status).toBeLessThan(300);
    await roundWhen(b, roundId, (round) => round.state === 'cancelled', 'cancelled');
    expect((await call(b, 'POST', `/rounds/${roundId}/retry`)).status).toBeLessThan(300);
    await roundWhen(a, roundId, (round) => round.attempt === 2 && round.state === 'running', 'running again');
    expect((await call(a, 'POST', `/rounds/${roundId}/cancel`)).status).toBeLessThan(300);
    const round = await roundWhen(b, roundId, (r) => isTerminal(r.state) && r.attempt === 2, 'cancelled again');
    expect(round.state).toBe('cancelled');
  });

  it('runs each submitted Round once, and each replica counts only the Rounds it ended', async () => {
    const count = 40;
    const before = await Promise.all(
      replicas.map(async (replica) =>
        sampleValue(parsePrometheusText(await (await fetch(`${replica.url}/metrics`)).text()), 'round_total', {
          status: 'succeeded',
          plugin: 'echo',
        }),
      ),
    );
    const roundIds = await Promise.all(
      Array.from({ length: count }, async (_, i) => {
        const answer = await call(replicas[i % 2], 'POST', '/workorders', echoOrder({ title: `Echo ${i}` }));
        expect(answer.status).toBe(200);
        return answer.body.round_id as string;
      }),
    );
    for (const roundId of roundIds) {
      const round = await roundWhen(replicas[1], roundId, (r) => isTerminal(r.state), 'terminal');
      expect(round.transitions.map((t: any) => t.to)).toEqual(['queued', 'running', 'succeeded']);
    }
    // Each job run once: a job added again after it completed would run again (its messages are ignored).
    for (const roundId of roundIds)
      expect(
        worker
          .output()
          .split('\n')
          .filter((line) => line.includes('"msg":"round started"') && line.includes(roundId)),
      ).toHaveLength(1);
    const after = await Promise.all(
      replicas.map(async (replica) =>
        sampleValue(parsePrometheusText(await (await fetch(`${replica.url}/metrics`)).text()), 'round_total', {
          status: 'succeeded',
          plugin: 'echo',
        }),
      ),
    );
    expect(after[0] - before[0] + after[1] - before[1]).toBe(count);
  });

  it('runs each sweep on one replica, exports queue_depth once, and hands the sweeps over when that replica dies', async () => {
    const holderOf = (sweep: string) => redis.get(`${stack.queuePrefix}:lease:${sweep}`);
    const exportsQueueDepth = async (replica: OrchestratorProcess) =>
      parsePrometheusText(await (await fetch(`${replica.url}/metrics`)).text()).some(
        (sample) => sample.name === 'queue_depth',
      );
    const sweeps = ['reaper', 'outbox', 'gauges', 'events'];
    await Promise.all(replicas.map((replica) => fetch(`${replica.url}/metrics`)));
    const holders = await until(
      async () => {
        const found = await Promise.all(sweeps.map(holderOf));
        return found.every(Boolean) ? (found as string[]) : undefined;
      },
      { what: 'every sweep leased' },
    );
    const pidOf = (holder: string) => Number(holder.split(':').at(-2));
    const pids = replicas.map((replica) => replica.child.pid);
    for (const holder of holders) expect(pids).toContain(pidOf(holder));
    expect(await Promise.all(replicas.map(exportsQueueDepth))).toEqual(
      replicas.map((replica) => replica.child.pid === pidOf(holders[2])),
    );

    const dying = replicas.find((replica) => replica.child.pid === pidOf(holders[0])) as OrchestratorProcess;
    const survivor = replicas.find((replica) => replica !== dying) as OrchestratorProcess;
    await dying.kill();
    // The dead holder's leases lapse, and the survivor's next passes (and scrapes) take them.
    await until(
      async () => {
        await fetch(`${survivor.url}/metrics`);
        return (await Promise.all(sweeps.map(holderOf))).every(
          (holder) => holder !== null && pidOf(holder) === survivor.child.pid,
        );
      },
      { timeoutMs: 30_000, what: 'the survivor holding every sweep' },
    );
    expect(await exportsQueueDepth(survivor)).toBe(true);
    // The survivor still takes submits and its sweeps and worker run them.
    const answer = await call(survivor, 'POST', '/workorders', echoOrder());
    expect(
      (await roundWhen(survivor, answer.body.round_id as string, (r) => isTerminal(r.state), 'terminal')).state,
    ).toBe('succeeded');
  });
});
