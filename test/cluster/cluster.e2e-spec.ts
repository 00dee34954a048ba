import { readRedisSettings, EnvReader, redisConnectionOptions } from '@sc/infrastructure';
import { QueueName, type RoundState } from '@sc/schemas';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  createStackEnv,
  startOrchestrator,
  startWorker,
  type OrchestratorProcess,
  type StackEnv,
  type StackProcess,
} from '../support/local-stack';
import { createBridgedNetwork, netnsSkipReason, type BridgedNetwork } from '../support/network-host';
import { createTestDatabase, pgTestUrl, type TestDatabase } from '../support/postgres';
import { SentinelGroup } from '../support/redis-sentinel-group';
import { entryText, followRoundEvents, readRoundEvents } from '../support/round-event-stream';
import { roundInvariantViolations, statesOnceEnded } from '../support/round-invariants';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy';
import { until } from '../support/until';

const skipReason = netnsSkipReason || (pgTestUrl ? '' : ' [SKIPPED: PG_TEST_URL is not set]');
const echoRounds = 200;
const longRounds = 10;
// A long Round prints this many numbered lines, half a second apart.
const longLines = 40;
// A worker cut off for this long gives its Rounds up, and another takes them over after as long again.
const lockMs = 10_000;

/**
 * The whole system on hosts of their own — network namespaces plugged into one bridge: a Redis host (master,
 * replica, three Sentinels), two orchestrator hosts, two worker hosts, and this machine's Postgres reached
 * through the bridge. A round-robin client submits and follows Rounds across both orchestrators while one
 * orchestrator is killed, a worker host unplugged, and the Redis master killed; then every invariant is read.
 */
(skipReason ? describe.skip : describe)(`a cluster of hosts${skipReason}`, () => {
  let root: string;
  let network: BridgedNetwork;
  let database: TestDatabase;
  let postgres: TcpProxy;
  let group: SentinelGroup;
  let stack: StackEnv;
  const orchestrators: OrchestratorProcess[] = [];
  const workers: StackProcess[] = [];
  const dead = new Set<OrchestratorProcess>();
  let turn = 0;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'sc-cluster-'));
    network = createBridgedNetwork(5);
    const [redisHost, ...others] = network.hosts;
    database = await createTestDatabase(pgTestUrl);
    const databaseUrl = new URL(database.url);
    postgres = await startTcpProxy(databaseUrl.hostname, Number(databaseUrl.port || 5432), network.gateway);
    databaseUrl.hostname = network.gateway;
    databaseUrl.port = String(postgres.port);
    group = await SentinelGroup.start({
      host: redisHost.address,
      ports: { master: 6379, replica: 6380, sentinels: [26379, 26380, 26381] },
      dir: join(root, 'redis'),
      launcher: redisHost.launcher,
    });
    stack = createStackEnv(
      {
        REDIS_URL: '',
        ...group.env,
        DATABASE_URL: databaseUrl.toString(),
        SC_REAPER_INTERVAL_MS: '1000',
        SC_WORKER_LOCK_MS: String(lockMs),
        SC_WORKER_CONCURRENCY: '8',
      },
      { usePostgres: false },
    );
    const [orchestratorA, orchestratorB, ...workerHosts] = others;
    // One after the other: the first runs the migrations.
    for (const host of [orchestratorA, orchestratorB]) orchestrators.push(await startOrchestrator(stack, {}, host));
    for (const [i, host] of workerHosts.entries()) {
      // Each worker host has folders of its own: nothing is shared with the orchestrators or the other worker.
      const dir = join(root, `worker-${i}`);
      mkdirSync(dir);
      workers.push(
        await startWorker(stack, { SC_DATA_DIR: join(dir, 'data'), SC_LOG_DIR: join(dir, 'logs') }, host.launcher),
      );
    }
  }, 120_000);

  afterAll(async () => {
    for (const host of network?.hosts ?? []) host.heal();
    await Promise.all([...workers, ...orchestrators].map((proc) => proc.stop()));
    await group?.stop();
    await postgres?.close();
    await database?.drop();
    network?.remove();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  /** One request, to the next orchestrator in turn; one that does not answer is skipped for the next. */
  async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    let lastError: unknown;
    for (let tries = 0; tries < 3 * orchestrators.length; tries++) {
      const target = orchestrators[turn++ % orchestrators.length];
      if (dead.has(target)) continue;
      try {
        const response = await fetch(`${target.url}${path}`, {
          method,
          headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(15_000),
        });
        const text = await response.text();
        return { status: response.status, body: text ? JSON.parse(text) : undefined };
      } catch (error) {
        lastError = error;
      }
    }
    throw new Error(`no orchestrator answered ${method} ${path}: ${String(lastError)}`);
  }

  /** Submits through {@link call}; the key makes a submit retried on the other orchestrator the same Round. */
  async function submit(order: Record<string, unknown>): Promise<string> {
    const answer = await call('POST', '/workorders', order, { 'idempotency-key': randomUUID() });
    if (answer.status !== 200) throw new Error(`submit answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    return answer.body.round_id as string;
  }

  /** Follows a Round's event stream to its end, starting on orchestrator `first`, then on whichever is alive. */
  function follow(roundId: string, first: number): Promise<string[]> {
    return followRoundEvents(roundId, (attempt) => {
      const target = orchestrators[(first + attempt) % orchestrators.length];
      return dead.has(target) ? undefined : target.url;
    });
  }

  it('runs every Round to one end through a killed orchestrator, a cut-off worker host and a Redis failover', async () => {
    const longIds: string[] = [];
    for (let i = 0; i < longRounds; i++) {
      longIds.push(
        await submit({
          title: `long ${i}`,
          instructions: 'Print numbered lines.',
          plugin: 'shell',
          phases: ['coding'],
          params: { commands: [`for i in $(seq 1 ${longLines}); do echo line-$i; sleep 0.5; done`] },
        }),
      );
    }
    const followers = longIds.flatMap((id) => [0, 1].map((first) => follow(id, first).then((seen) => ({ id, seen }))));
    await until(async () => (await call('GET', '/rounds?status=running&limit=100')).body.items?.length >= 2, {
      timeoutMs: 30_000,
      what: 'long Rounds running',
    });

    const echoIds: string[] = [];
    const submitting = (async () => {
      for (let i = 0; i < echoRounds; i += 4)
        echoIds.push(
          ...(await Promise.all(
            [0, 1, 2, 3].map((j) => submit({ title: `echo ${i + j}`, instructions: 'Echo.', plugin: 'echo' })),
          )),
        );
    })();
    const [orchestratorA] = orchestrators;
    const workerHostB = network.hosts[4];
    const faults = (async () => {
      await sleep(2_000);
      dead.add(orchestratorA);
      await orchestratorA.kill();
      await sleep(2_000);
      workerHostB.cut();
      await sleep(2_000);
      return group.failOver();
    })();
    const masterBefore = await group.masterPort();
    const [, masterAfter] = await Promise.all([submitting, faults]);
    expect(masterAfter).not.toBe(masterBefore);

    const allIds = [...longIds, ...echoIds];
    const states = async () =>
      Promise.all(allIds.map(async (id) => (await call('GET', `/rounds/${id}`)).body.state as RoundState));
    expect((await statesOnceEnded(states, 180_000)).filter((state) => state !== 'succeeded')).toEqual([]);

    // The cut-off worker had Rounds, gave them up, and another host ran them to their end.
    expect(workers[1].output()).toContain('"msg":"round abandoned"');
    // Plugged in again, the cut-off worker sends nothing that ends a Round a second time.
    workerHostB.heal();
    await sleep(3_000);
    expect(await roundInvariantViolations(database.url, allIds)).toEqual([]);

    // Every follower saw the Round's whole history, in order, once — also the one whose orchestrator died.
    for (const { id, seen } of await Promise.all(followers)) {
      const stored = await storedHistory(id);
      expect({ id, seen }).toEqual({ id, seen: stored });
      const printed = new Set(seen.map(entryText));
      const lines = Array.from({ length: longLines }, (_, i) => `line-${i + 1}`);
      expect({ id, missing: lines.filter((line) => !printed.has(line)) }).toEqual({ id, missing: [] });
    }

    await expectNoDuplicateJob(allIds);
  }, 420_000);

  /** The Round's history as stored, read in one piece from the live orchestrator. */
  async function storedHistory(roundId: string): Promise<string[]> {
    const live = orchestrators.find((orchestrator) => !dead.has(orchestrator))!;
    const response = await fetch(`${live.url}/rounds/${roundId}/events?follow=false`, {
      headers: { accept: 'text/event-stream' },
    });
    return readRoundEvents(response);
  }

  /** BullMQ added each Round's job once (a repeated add of the same id is ignored, not a second job), and no job is left. */
  async function expectNoDuplicateJob(roundIds: readonly string[]): Promise<void> {
    // No failover detector: ioredis subscribes it after connecting, and a client closed before that leaks the
    // detector's Sentinel connections, which go on reconnecting once the hosts are gone.
    const connection = {
      ...redisConnectionOptions(readRedisSettings(new EnvReader({ ...group.env }))),
      failoverDetector: false,
    };
    const queue = new Queue(QueueName.WorkOrders, { connection, prefix: stack.queuePrefix });
    const redis = new Redis(connection);
    try {
      const entries = (await redis.xrange(`${stack.queuePrefix}:${QueueName.WorkOrders}:events`, '-', '+')) as [
        string,
        string[],
      ][];
      const added = new Map<string, number>();
      for (const [, fields] of entries) {
        const event = Object.fromEntries(fields.flatMap((_, i) => (i % 2 === 0 ? [[fields[i], fields[i + 1]]] : [])));
        if (event.event === 'added') added.set(event.jobId, (added.get(event.jobId) ?? 0) + 1);
      }
      const repeated = [...added].filter(([, count]) => count > 1);
      expect(repeated).toEqual([]);
      const ids = new Set(roundIds);
      expect([...added.keys()].filter((jobId) => !ids.has(jobId.split('.')[0]))).toEqual([]);
      expect(await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'failed')).toEqual({
        waiting: 0,
        active: 0,
        delayed: 0,
        prioritized: 0,
        failed: 0,
      });
    } finally {
      redis.disconnect();
      await queue.close();
    }
  }
});
