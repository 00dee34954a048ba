import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { agentCliCases } from '../../../test/support/agent-cli-cases';
import { agentCliBinDir } from '../../../test/support/agent-clis';
import type { FakeFault, FakeModelServer } from '../../../test/support/fake-model-servers/fake-model-server';
import { startWorker, type StackProcess } from '../../../test/support/local-stack';
import { createTestRepository } from '../../../test/support/test-repository';
import { entryText, readRoundEvents } from '../../../test/support/round-event-stream';
import { until } from '../../../test/support/until';
import { startOrchestratorStack, type OrchestratorStack } from './support/orchestrator-stack';

// Long work through the API with the real Claude Code against a fake API: a model's rate limit parks the Round in
// `waiting` (its worker slot freed, no attempt used) and resumes it at the reset, continuing the agent's session;
// a retry continues the session of the attempt before, unless it is asked to start fresh.
const binDir = agentCliBinDir();
if (!binDir)
  console.log(
    'long-work.e2e-spec: the agent CLIs are not installed (scripts/install-agent-clis.js could not reach the npm registry); skipping',
  );
const describeWithClis = binDir ? describe : describe.skip;

describeWithClis("a Round's agent sessions over rate limits and retries", () => {
  const claude = agentCliCases.find((cli) => cli.name === 'claude')!;
  let server: FakeModelServer;
  let sc: OrchestratorStack;
  let worker: StackProcess;

  beforeAll(async () => {
    sc = await startOrchestratorStack();
    mkdirSync(sc.stack.dataDir, { recursive: true });
  });

  afterEach(async () => {
    await worker?.stop();
    await server?.close();
  });

  afterAll(async () => {
    await sc?.close();
  });

  /** Starts a worker running Claude Code against a fake API with `fault`, submits a Round, resolves its id. */
  async function submitWith(fault: FakeFault, name: string, extra: object = {}): Promise<string> {
    server = await claude.startServer({ fault });
    worker = await startWorker(sc.stack, {
      ...claude.upstreamEnv(server),
      PATH: `${binDir}:${process.env.PATH}`,
      HOME: join(sc.stack.dataDir, '..'),
      SC_WAIT_MIN_S: '2',
    });
    const repo = join(sc.stack.dataDir, '..', name);
    createTestRepository(repo);
    const order = {
      title: 'Wait it out',
      instructions: 'Write hello.txt.',
      plugin: 'agent-cli',
      phases: ['coding'],
      repo: { path: repo },
      agents: [{ name: 'claude', model: claude.model, role: 'implementer' }],
      ...extra,
    };
    const submitted = await sc.call('POST', '/workorders', { body: order });
    expect(submitted.status).toBe(200);
    return submitted.body.round_id as string;
  }

  async function waiting(roundId: string) {
    return until(
      async () => {
        const round = (await sc.call('GET', `/rounds/${roundId}`)).body;
        return round.state === 'waiting' ? round : undefined;
      },
      { timeoutMs: 30_000, what: 'the Round waiting' },
    );
  }

  async function finished(roundId: string) {
    return until(
      async () => {
        const round = (await sc.call('GET', `/rounds/${roundId}`)).body;
        return ['succeeded', 'failed', 'error', 'timed_out'].includes(round.state) ? round : undefined;
      },
      { timeoutMs: 60_000, what: 'the Round finished' },
    );
  }

  it('running → waiting until the reset → running → succeeded, on the same attempt, continuing the session', async () => {
    // The agent's second turn is refused with a reset 5 s away.
    const roundId = await submitWith({ kind: '429', times: 1, fromCall: 1, retryAfterS: 5 }, 'repo-reset');
    const parked = await waiting(roundId);
    expect(parked.transitions.at(-1)).toMatchObject({
      from: 'running',
      to: 'waiting',
      reason: expect.stringMatching(/^rate_limited until \d{4}-\d\d-\d\dT.*\(claude\)$/),
    });
    // It resumes once the reset is past: the job is delayed from when the agents stopped, after the reset's answer.
    const resetAt = /^rate_limited until (\S+)/.exec(parked.transitions.at(-1).reason)![1];
    expect(Date.parse(parked.resumes_at)).toBeGreaterThanOrEqual(Date.parse(resetAt));
    const listed = await sc.call('GET', '/rounds?status=waiting');
    expect(listed.body.items.map((item: { id: string; resumes_at: string }) => [item.id, item.resumes_at])).toEqual([
      [roundId, parked.resumes_at],
    ]);
    const metrics = await (await fetch(`${sc.orchestrator.url}/metrics`)).text();
    expect(metrics).toMatch(/^round_waiting 1$/m);

    const done = await finished(roundId);
    expect(done).toMatchObject({ state: 'succeeded', attempt: 1, resumes_at: null });
    const states = done.transitions.map((transition: { to: string }) => transition.to);
    expect(states).toEqual(['queued', 'running', 'waiting', 'running', 'succeeded']);
    // The event stream tells it as it happened.
    const stream = await fetch(`${sc.orchestrator.url}/rounds/${roundId}/events?follow=false`, {
      headers: { accept: 'text/event-stream' },
    });
    const entries = (await readRoundEvents(stream)).map(entryText);
    expect(entries.filter((entry) => entry.includes('→'))).toEqual([
      'new → queued',
      'queued → running',
      'running → waiting',
      'waiting → running',
      'running → succeeded',
    ]);
    const turns = server.calls.filter((call) => call.agentTurn);
    expect(turns[1].status).toBe(429);
    // The run after the wait continues the session: its first turn carries the first one's tool result.
    expect(claude.toolResults(turns[2])).toBeGreaterThanOrEqual(1);
    expect(JSON.stringify(turns[2].body)).toContain('Your run was stopped (rate_limited until');
  });

  it('cancels a waiting Round: it ends cancelled at once and never runs again', async () => {
    const roundId = await submitWith({ kind: '429', times: 1, fromCall: 1, retryAfterS: 8 }, 'repo-cancel');
    await waiting(roundId);
    const turns = server.calls.length;
    expect((await sc.call('POST', `/rounds/${roundId}/cancel`)).status).toBe(200);
    expect((await sc.call('GET', `/rounds/${roundId}`)).body).toMatchObject({ state: 'cancelled', resumes_at: null });
    // Past the reset, the delayed job is gone: nothing asks the model again.
    await sleep(10_000);
    expect(server.calls).toHaveLength(turns);
    expect((await sc.call('GET', `/rounds/${roundId}`)).body.state).toBe('cancelled');
  });

  it('waits with a backoff when the model names no reset time, and goes on once it answers', async () => {
    // Claude Code retries a 429 by itself: the gateway lets two go by and parks the Round at the third.
    const roundId = await submitWith({ kind: '429', times: 3, retryAfterS: null }, 'repo-backoff');
    const parked = await waiting(roundId);
    expect(parked.transitions.at(-1).reason).toMatch(
      /^rate_limited until \S+ \(claude; no reset time given: wait 1 of 5\)$/,
    );
    const done = await finished(roundId);
    expect(done).toMatchObject({ state: 'succeeded', attempt: 1 });
    expect(server.calls.filter((call) => call.status === 429)).toHaveLength(3);
  });

  it.each([
    ['continues the session of the attempt before', {}, 'a retry: you continue your session of attempt 1'],
    ['with { fresh: true } starts over', { fresh: true }, undefined],
  ])('a retry through the API %s', async (_how, body, note) => {
    // The agent's second turn hangs once: attempt 1 times out there.
    const roundId = await submitWith(
      { kind: 'hang', fromCall: 1, count: 1 },
      `repo-retry-${note ? 'resume' : 'fresh'}`,
      {
        phase_timeout: { coding: 8 },
      },
    );
    expect(await finished(roundId)).toMatchObject({ state: 'timed_out', attempt: 1 });
    const turnsBefore = server.calls.filter((call) => call.agentTurn).length;
    expect((await sc.call('POST', `/rounds/${roundId}/retry`, { body })).status).toBe(200);
    const done = await until(
      async () => {
        const round = (await sc.call('GET', `/rounds/${roundId}`)).body;
        return round.attempt === 2 && round.state === 'succeeded' ? round : undefined;
      },
      { timeoutMs: 60_000, what: 'attempt 2 succeeded' },
    );
    const first = server.calls.filter((call) => call.agentTurn)[turnsBefore];
    if (note) {
      expect(claude.toolResults(first)).toBeGreaterThanOrEqual(1);
      expect(JSON.stringify(first.body)).toContain(note);
      expect(done.sessions).toEqual(
        expect.arrayContaining([expect.objectContaining({ agent: 'claude', attempt: 2, resumed_from_attempt: 1 })]),
      );
    } else {
      expect(claude.toolResults(first)).toBe(0);
      expect(JSON.stringify(first.body)).toContain('Write hello.txt.');
    }
  });
});
