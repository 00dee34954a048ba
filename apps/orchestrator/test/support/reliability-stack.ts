/* eslint-disable @typescript-eslint/no-explicit-any -- answers are checked by the assertions, not by types */
import { isTerminal, type RoundState, type RoundView } from '@sc/schemas';
import { Redis } from 'ioredis';
import { join } from 'node:path';
import {
  createStackEnv,
  redisUrl,
  repoRoot,
  startOrchestrator,
  startWorker,
  type OrchestratorProcess,
  type StackEnv,
  type StackProcess,
} from '../../../../test/support/local-stack';
import { createTestDatabaseEnv } from '../../../../test/support/postgres';
import { until } from '../../../../test/support/until';

/** The bench's plugin whose phases wait `params.wait_ms`: a Round as long as a test needs, with no child process. */
export const waitPlugin = join(repoRoot, 'bench', 'fixtures', 'wait.plugin.js');

/**
 * An orchestrator and workers that a test crashes, stops and restarts: one database and queue prefix for
 * the file, every process started again on the same ones. The wait plugin is known to all of them.
 */
export class ReliabilityStack {
  readonly workers: StackProcess[] = [];
  orchestrator?: OrchestratorProcess;

  private constructor(
    readonly stack: StackEnv,
    private readonly dropDatabase: () => Promise<void>,
  ) {}

  /** A fresh stack environment (SQLite, or Postgres with PG_TEST_URL); nothing started yet. */
  static async create(extra: NodeJS.ProcessEnv = {}): Promise<ReliabilityStack> {
    const database = await createTestDatabaseEnv();
    return new ReliabilityStack(createStackEnv({ ...database.env, SC_PLUGINS: waitPlugin, ...extra }), database.drop);
  }

  async startOrchestrator(extra: NodeJS.ProcessEnv = {}): Promise<OrchestratorProcess> {
    this.orchestrator = await startOrchestrator(this.stack, extra);
    return this.orchestrator;
  }

  async startWorker(extra: NodeJS.ProcessEnv = {}, launcher: readonly string[] = []): Promise<StackProcess> {
    const worker = await startWorker(this.stack, extra, launcher);
    this.workers.push(worker);
    return worker;
  }

  /** One request to the current orchestrator; the answer's status and parsed JSON body. */
  async call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
    if (!this.orchestrator) throw new Error('no orchestrator started');
    const response = await fetch(`${this.orchestrator.url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  }

  /** Submits a Round of the wait plugin whose one phase lasts `waitMs`; its id. */
  async submitWait(waitMs: number, title = 'Wait'): Promise<string> {
    const answer = await this.call('POST', '/workorders', {
      title,
      instructions: 'Wait.',
      plugin: 'wait',
      phases: ['coding'],
      params: { wait_ms: waitMs },
    });
    if (answer.status !== 200) throw new Error(`submit answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    return answer.body.round_id as string;
  }

  /** Waits until the Round is in `state` (or, with a predicate, until it holds) and returns its view. */
  async roundWhen(
    roundId: string,
    isWanted: (round: RoundView) => boolean,
    what: string,
    timeoutMs = 30_000,
  ): Promise<RoundView> {
    return until(
      async () => {
        const round = await this.call('GET', `/rounds/${roundId}`);
        return round.status === 200 && isWanted(round.body) ? round.body : undefined;
      },
      { timeoutMs, what: `round ${roundId} ${what}` },
    );
  }

  /** Waits for the Round to end and returns its view and its Report. */
  async ended(roundId: string, timeoutMs = 30_000): Promise<{ round: RoundView; report: any }> {
    const round = await this.roundWhen(roundId, (r) => isTerminal(r.state), 'terminal', timeoutMs);
    const report = await this.call('GET', `/reports/${roundId}`);
    return { round, report: report.status === 200 ? report.body : undefined };
  }

  /** The worker process a Round's `worker` field (`<host>:<pid>`) names. */
  holderOf(round: { worker: string | null }): StackProcess {
    const pid = Number(round.worker?.split(':').pop());
    const holder = this.workers.find((worker) => worker.child.pid === pid);
    if (!holder) throw new Error(`no worker of this stack is ${round.worker}`);
    return holder;
  }

  /** Stops every process (SIGTERM, SIGKILL after the grace), drops the database, the prefix's Redis keys and the temp folders. */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.stop()));
    await this.orchestrator?.stop();
    await this.dropDatabase();
    const redis = new Redis(this.stack.env.REDIS_URL ?? redisUrl, { maxRetriesPerRequest: 1 });
    const keys = await redis.keys(`${this.stack.queuePrefix}:*`).catch(() => []);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    this.stack.cleanup();
  }
}

/** A Round's transitions as `[from, to, reason]`. */
export function trail(round: Pick<RoundView, 'transitions'>): [RoundState | null, RoundState, string][] {
  return round.transitions.map((t) => [t.from, t.to, t.reason]);
}
