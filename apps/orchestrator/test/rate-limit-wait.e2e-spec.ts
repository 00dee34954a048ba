import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { agentCliCases } from '../../../test/support/agent-cli-cases';
import { agentCliBinDir } from '../../../test/support/agent-clis';
import type { FakeModelServer } from '../../../test/support/fake-model-servers/fake-model-server';
import { startWorker, type StackProcess } from '../../../test/support/local-stack';
import { createTestRepository } from '../../../test/support/test-repository';
import { until } from '../../../test/support/until';
import { startOrchestratorStack, type OrchestratorStack } from './support/orchestrator-stack';

// A model's rate limit with a reset far enough away parks the Round in `waiting` (its worker slot freed, no
// attempt used) and resumes it at the reset: the real Claude Code against a fake API that answers 429 once.
const binDir = agentCliBinDir();
if (!binDir)
  console.log(
    'rate-limit-wait.e2e-spec: the agent CLIs are not installed (scripts/install-agent-clis.js could not reach the npm registry); skipping',
  );
const describeWithClis = binDir ? describe : describe.skip;

describeWithClis('a Round waits out a model rate limit', () => {
  const claude = agentCliCases.find((cli) => cli.name === 'claude')!;
  let server: FakeModelServer;
  let sc: OrchestratorStack;
  let worker: StackProcess;

  beforeAll(async () => {
    server = await claude.startServer({ fault: { kind: '429', times: 1, retryAfterS: 5 } });
    sc = await startOrchestratorStack();
    mkdirSync(sc.stack.dataDir, { recursive: true });
    worker = await startWorker(sc.stack, {
      ...claude.upstreamEnv(server),
      PATH: `${binDir}:${process.env.PATH}`,
      HOME: join(sc.stack.dataDir, '..'),
      SC_WAIT_MIN_S: '2',
    });
  });

  afterAll(async () => {
    await worker?.stop();
    await sc?.close();
    await server?.close();
  });

  it('running → waiting until the reset → running → succeeded, on the same attempt', async () => {
    const repo = join(sc.stack.dataDir, '..', 'repo');
    createTestRepository(repo);
    const order = {
      title: 'Wait it out',
      instructions: 'Write hello.txt.',
      plugin: 'agent-cli',
      phases: ['coding'],
      repo: { path: repo },
      agents: [{ name: 'claude', model: claude.model, role: 'implementer' }],
    };
    const submitted = await sc.call('POST', '/workorders', { body: order });
    expect(submitted.status).toBe(200);
    const roundId = submitted.body.round_id as string;
    const waiting = await until(
      async () => {
        const round = (await sc.call('GET', `/rounds/${roundId}`)).body;
        return round.state === 'waiting' ? round : undefined;
      },
      { timeoutMs: 30_000, what: 'the Round waiting' },
    );
    expect(waiting.transitions.at(-1)).toMatchObject({
      from: 'running',
      to: 'waiting',
      reason: expect.stringMatching(/^rate_limited until \d{4}-\d\d-\d\dT.*\(claude\)$/),
    });
    // It resumes once the reset is past: the job is delayed from when the agents stopped, after the reset's answer.
    const resetAt = /^rate_limited until (\S+)/.exec(waiting.transitions.at(-1).reason)![1];
    expect(Date.parse(waiting.resumes_at)).toBeGreaterThanOrEqual(Date.parse(resetAt));
    const listed = await sc.call('GET', '/rounds?status=waiting');
    expect(listed.body.items.map((item: { id: string; resumes_at: string }) => [item.id, item.resumes_at])).toEqual([
      [roundId, waiting.resumes_at],
    ]);
    const metrics = await (await fetch(`${sc.orchestrator.url}/metrics`)).text();
    expect(metrics).toMatch(/^round_waiting 1$/m);

    const done = await until(
      async () => {
        const round = (await sc.call('GET', `/rounds/${roundId}`)).body;
        return ['succeeded', 'failed', 'error', 'timed_out'].includes(round.state) ? round : undefined;
      },
      { timeoutMs: 60_000, what: 'the Round finished' },
    );
    expect(done).toMatchObject({ state: 'succeeded', attempt: 1, resumes_at: null });
    const states = done.transitions.map((transition: { to: string }) => transition.to);
    expect(states).toEqual(['queued', 'running', 'waiting', 'running', 'succeeded']);
    // The 429 came first; the resumed run's calls were answered.
    expect(server.calls.filter((call) => call.agentTurn).map((call) => call.status)[0]).toBe(429);
  });
});
