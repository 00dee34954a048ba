import { JobName, roundJobId, type Report, type StoredWorkOrder, type WorkOrderJob } from '@sc/schemas';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  agentCliCases,
  expectedTokenUsage,
  sortedTokenUsage,
  type AgentCliCase,
} from '../../../test/support/agent-cli-cases';
import { agentCliBinDir } from '../../../test/support/agent-clis';
import type { FakeModelServer } from '../../../test/support/fake-model-servers/fake-model-server';
import { createStackEnv, startWorker, type StackEnv, type StackProcess } from '../../../test/support/local-stack';
import { startS3Server, type S3TestServer } from '../../../test/support/s3-server';
import { until } from '../../../test/support/until';
import { createTestRepository, git } from '../../../test/support/test-repository';
import { QueueDriver } from './worker-stack';

// The real agent CLIs run by a worker process, each through the worker's model gateway to its fake model API.
const binDir = agentCliBinDir();
if (!binDir)
  console.log(
    'worker agent-clis.e2e-spec: the agent CLIs are not installed (scripts/install-agent-clis.js could not reach the npm registry); skipping',
  );
const describeWithClis = binDir ? describe : describe.skip;

const usage = { input: 700, output: 40, cacheRead: 100, cacheWrite: 10 };

describeWithClis('worker: the real agent CLIs', () => {
  let stack: StackEnv;
  let worker: StackProcess;
  let queues: QueueDriver;
  let repo: string;
  const servers = new Map<string, FakeModelServer>();

  beforeAll(async () => {
    for (const cli of agentCliCases) servers.set(cli.name, await cli.startServer({ usage }));
    const upstreams = Object.assign({}, ...agentCliCases.map((cli) => cli.upstreamEnv(servers.get(cli.name)!)));
    stack = createStackEnv({ ...upstreams, PATH: `${binDir}:${process.env.PATH}`, SC_WORKER_CONCURRENCY: '3' });
    const home = join(stack.dataDir, '..', 'home');
    mkdirSync(home, { recursive: true });
    stack.env.HOME = home;
    repo = join(stack.dataDir, '..', 'repo');
    createTestRepository(repo);
    mkdirSync(stack.dataDir, { recursive: true });
    worker = await startWorker(stack);
    queues = new QueueDriver(stack);
  });

  afterAll(async () => {
    await queues?.close();
    await worker?.stop();
    for (const server of servers.values()) await server.close();
    stack?.cleanup();
  });

  it('runs claude, codex and gemini at once, each finishing its work with every token counted', async () => {
    const jobs = await Promise.all(
      agentCliCases.map((cli) =>
        queues.submit({
          plugin: 'agent-cli',
          phases: ['coding', 'testing'],
          branch: `feat/wo-20261207-worker-${cli.name}`,
          repo: { path: repo },
          agents: [{ name: cli.name, model: cli.model, role: 'implementer' }],
          acceptance: ['test -f hello.txt', 'test -f ran.txt'],
        }),
      ),
    );
    for (const [index, cli] of agentCliCases.entries()) {
      const { report } = await queues.finished(jobs[index].round_id, 60_000);
      // A failure shows its summary (the agent's exit and output) in the diff.
      expect({
        cli: cli.name,
        status: report.status,
        ...(report.status === 'success' ? {} : { summary: report.summary }),
      }).toEqual({ cli: cli.name, status: 'success' });
      expect(git(repo, 'show', `feat/wo-20261207-worker-${cli.name}:ran.txt`)).toBe(process.version);
      expect(sortedTokenUsage(report)).toEqual(expectedTokenUsage(cli, servers.get(cli.name)!, usage));
    }
  });
});

/** A stack whose workers run `cli` against `server`: its environment, a repository, the queues. */
function cliStack(
  cli: AgentCliCase,
  server: FakeModelServer,
  extra: NodeJS.ProcessEnv = {},
): { stack: StackEnv; repo: string; queues: QueueDriver } {
  const stack = createStackEnv({ ...cli.upstreamEnv(server), PATH: `${binDir}:${process.env.PATH}`, ...extra });
  mkdirSync(stack.dataDir, { recursive: true });
  stack.env.HOME = join(stack.dataDir, '..');
  const repo = join(stack.dataDir, '..', 'repo');
  createTestRepository(repo);
  return { stack, repo, queues: new QueueDriver(stack) };
}

describeWithClis.each(agentCliCases)('worker: a worker killed while $name waits for the model', (cli: AgentCliCase) => {
  const agents = [{ name: cli.name, model: cli.model, role: 'implementer' }];
  let server: FakeModelServer;
  let stack: ReturnType<typeof cliStack>;
  let s3: S3TestServer | undefined;
  const workers: StackProcess[] = [];

  afterEach(async () => {
    for (const worker of workers.splice(0)) await worker.kill();
    await stack?.queues.close();
    await server?.close();
    await s3?.close();
    s3 = undefined;
    stack?.stack.cleanup();
  });

  /** Submits a Round, kills its first worker once the agent waits on its second turn, starts another. */
  async function killMidRound(order: Partial<StoredWorkOrder>): Promise<{ report: Report; spentBeforeKill: number }> {
    workers.push(await startWorker(stack.stack));
    const job = await stack.queues.submit({
      plugin: 'agent-cli',
      phases: ['coding'],
      repo: { path: stack.repo },
      agents,
      ...order,
    });
    // And once the worker kept the session id (it reads it from the CLI's output): killed before that, the worker
    // that takes over has no session to resume, starts over and says so, which is not what these tests are about.
    const worktrees = join(stack.stack.dataDir, 'worktrees');
    const isSessionKept = () =>
      existsSync(worktrees) &&
      readdirSync(worktrees, { recursive: true }).some((file) => String(file).endsWith('session.json'));
    await until(() => server.calls.filter((call) => call.agentTurn).length >= 2 && isSessionKept(), {
      timeoutMs: 30_000,
      what: 'the first run waiting on its second turn, its session kept',
    });
    // The CLIs write their transcripts through a queue flushed every so often (Claude Code: 100 ms), and a kill -9
    // loses what it holds: the second turn's request can leave before the first turn is on disk (seen in CI, the
    // takeover then resumed a session without it). A kill -9 at any moment loses that much; these tests are about
    // what is on disk.
    await sleep(2_000);
    const spentBeforeKill = server.calls.filter((call) => call.delivered).length;
    await workers[0].kill();
    workers.push(await startWorker(stack.stack));
    return { report: (await stack.queues.finished(job.round_id, 60_000)).report, spentBeforeKill };
  }

  // Locks of 10 s keep the takeover short; shorter ones lapse while a loaded machine starts the agent, and a worker
  // whose lock lapsed abandons its attempt itself (WorkerProtocol, worker rule 4). A test starts the CLI twice
  // (Gemini CLI takes 2–6 s to start, more on a loaded machine) and waits out a lock: up to 45 s seen unloaded, so
  // each test may take as long as killMidRound's own waits rather than the default minute.
  const takeoverTimeoutMs = 120_000;

  it(
    "the worker that takes over resumes the agent's session: the model sees the conversation so far",
    async () => {
      // Only the second turn hangs: the first worker is killed there, and the takeover's calls are answered.
      server = await cli.startServer({ usage, fault: { kind: 'hang', fromCall: 1, count: 1 } });
      stack = cliStack(cli, server, { SC_WORKER_LOCK_MS: '10000' });
      const { report } = await killMidRound({});
      expect(report.status).toBe('success');
      const takeover = server.calls.filter((call) => call.agentTurn)[2];
      expect(cli.toolResults(takeover)).toBeGreaterThanOrEqual(1);
      expect(JSON.stringify(takeover.body)).toContain('The worker running you stopped');
    },
    takeoverTimeoutMs,
  );

  it(
    'a worker on another host takes over from the session kept in the shared artifact store (S3)',
    async () => {
      server = await cli.startServer({ usage, fault: { kind: 'hang', fromCall: 1, count: 1 } });
      s3 = await startS3Server();
      stack = cliStack(cli, server, { SC_WORKER_LOCK_MS: '10000', ...s3.env });
      workers.push(await startWorker(stack.stack));
      // Each host clones the repository into its data folder, as a host of its own would.
      const job = await stack.queues.submit({
        plugin: 'agent-cli',
        phases: ['coding'],
        repo: { url: `file://${stack.repo}` },
        agents,
      });
      await until(() => server.calls.filter((call) => call.agentTurn).length >= 2, {
        timeoutMs: 30_000,
        what: 'the first run waiting on its second turn',
      });
      // A running session is kept at most every 10 s: by then the kept transcript holds the first turn's tool result.
      await sleep(12_000);
      await workers[0].kill();
      // The other host has a data folder of its own: no clone, none of the killed run's scratch files, only the
      // artifacts (the work the killed run had not committed stays behind with it).
      workers.push(await startWorker(stack.stack, { SC_DATA_DIR: join(stack.stack.dataDir, '..', 'other-host') }));
      const { report } = await stack.queues.finished(job.round_id, 60_000);
      expect(report).toMatchObject({
        status: 'success',
        worker: expect.stringMatching(new RegExp(`:${workers[1].child.pid}$`)),
      });
      const takeover = server.calls.filter((call) => call.agentTurn)[2];
      expect(cli.toolResults(takeover)).toBeGreaterThanOrEqual(1);
      expect(JSON.stringify(takeover.body)).toContain('The worker running you stopped');
    },
    takeoverTimeoutMs,
  );

  it(
    'loses none of the tokens spent before the kill: the worker that takes over counts on from them',
    async () => {
      // Every agent's second turn hangs: the first worker is killed there, the second one times out there.
      server = await cli.startServer({ usage, fault: { kind: 'hang', fromCall: 1 } });
      stack = cliStack(cli, server, { SC_WORKER_LOCK_MS: '10000' });
      const { report, spentBeforeKill } = await killMidRound({ phase_timeout: { coding: 8 } });
      // The second worker's run hung at once (every turn after the first hangs): what the Report counts
      // is what the killed run spent.
      expect(report).toMatchObject({
        status: 'timeout',
        worker: expect.stringMatching(new RegExp(`:${workers[1].child.pid}$`)),
      });
      expect(server.calls.filter((call) => call.delivered)).toHaveLength(spentBeforeKill);
      expect(sortedTokenUsage(report)).toEqual(expectedTokenUsage(cli, server, usage));
      expect(report.token_usage[0].input).toBeGreaterThan(0);
    },
    takeoverTimeoutMs,
  );
});

describeWithClis('workers: SC_AGENT_LIMITS across workers', () => {
  const claude = agentCliCases.find((cli) => cli.name === 'claude')!;

  it('runs no more Claude agents at once than the limit, with three workers, the rest waiting in the queue', async () => {
    // Slow answers, so that Rounds would overlap without the limit.
    const server = await claude.startServer({ usage, eventDelayMs: 60 });
    const { stack, repo, queues } = cliStack(claude, server, {
      SC_AGENT_LIMITS: 'anthropic=1',
      SC_WORKER_CONCURRENCY: '2',
    });
    const workers = await Promise.all([startWorker(stack), startWorker(stack), startWorker(stack)]);
    try {
      const jobs = await Promise.all(
        [1, 2, 3].map((n) =>
          queues.submit({
            plugin: 'agent-cli',
            phases: ['coding'],
            branch: `feat/limited-${n}`,
            repo: { path: repo },
            agents: [{ name: 'claude', model: claude.model, role: 'implementer' }],
          }),
        ),
      );
      const reports = [];
      for (const job of jobs) reports.push((await queues.finished(job.round_id, 90_000)).report);
      expect(reports.map((report) => report.status)).toEqual(['success', 'success', 'success']);
      const spans = reports
        .map((report) => [Date.parse(report.started_at!), Date.parse(report.finished_at!)])
        .sort((a, b) => a[0] - b[0]);
      for (let i = 1; i < spans.length; i++) expect(spans[i][0]).toBeGreaterThanOrEqual(spans[i - 1][1]);
    } finally {
      await queues.close();
      for (const worker of workers) await worker.stop();
      await server.close();
      stack.cleanup();
    }
  });
});

describeWithClis('worker: an attempt with a follow-up (the PR loop)', () => {
  const claude = agentCliCases.find((cli) => cli.name === 'claude')!;
  let server: FakeModelServer;
  let stack: ReturnType<typeof cliStack>;
  let worker: StackProcess;

  afterAll(async () => {
    await worker?.stop();
    await stack?.queues.close();
    await server?.close();
    stack?.stack.cleanup();
  });

  it("resumes Claude Code's session of the attempt before, telling it the follow-up: the model sees the first instructions and the review", async () => {
    server = await claude.startServer({ usage });
    stack = cliStack(claude, server);
    worker = await startWorker(stack.stack);
    const first = await stack.queues.submit({
      plugin: 'agent-cli',
      phases: ['coding'],
      repo: { path: stack.repo },
      instructions: 'Write hello.txt.',
      agents: [{ name: 'claude', model: claude.model, role: 'implementer' }],
    });
    const { report } = await stack.queues.finished(first.round_id, 60_000);
    expect(report.status).toBe('success');
    const sessions = (report.sessions ?? []).map(({ agent, session_id }) => ({ agent, session_id }));
    expect(sessions).toHaveLength(1);
    const callsOfFirst = server.calls.length;

    // Attempt 2 as RoundsService.retry stages it for a review requesting changes.
    const followUp = 'A review of pull request #101 by @octocat requests changes:\n\nAlso write bye.txt.';
    const transcripts = report.artifacts
      .map((artifact) => artifact.name)
      .filter((name) => name.startsWith('sessions/'));
    const second: WorkOrderJob = {
      ...first,
      attempt: 2,
      resume_from: { attempt: 1, sessions, transcripts },
      follow_up: followUp,
    };
    await stack.queues.workorders.add(JobName.RunRound, second, { jobId: roundJobId(second.round_id, 2) });
    const finished = await until(
      () =>
        stack.queues.messagesOf(first.round_id).find((message) => message.type === 'finished' && message.attempt === 2),
      { timeoutMs: 60_000, what: 'attempt 2' },
    );
    expect(finished).toMatchObject({
      report: { status: 'success', sessions: [{ agent: 'claude', attempt: 2, resumed_from_attempt: 1 }] },
    });
    const [resumed] = server.calls.slice(callsOfFirst).filter((call) => call.agentTurn);
    const seen = JSON.stringify(resumed.body);
    expect(seen).toContain('Write hello.txt.');
    expect(seen).toContain('Also write bye.txt.');
    expect(seen).toContain('a retry: you continue your session of attempt 1');
  });
});
