import { definePlugin, RateLimitedError, SDK_API_VERSION, type PhaseHandler } from '@sc/plugin-sdk';
import { validateReport, type LogEvent, type PhaseEvent, type StoredWorkOrder, type WorkOrderJob } from '@sc/schemas';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { startFakeAnthropicServer } from '../../../test/support/fake-model-servers/anthropic.dialect';
import type { FakeFault, FakeModelServer } from '../../../test/support/fake-model-servers/fake-model-server';
import { createLocalArtifactStore } from './artifacts/local.artifact-store';
import { RateLimitBackoffError } from './errors';
import { ModelGateway } from './model-gateway/model-gateway';
import { loadUpstreams } from './model-gateway/upstreams';
import { ModelPrices } from './pricing/model-prices';
import { PluginRegistry } from './plugin-registry';
import { echoPlugin } from './plugins/echo.plugin';
import { runRound, type RunRoundOptions } from './run-round';

const logger = pino({ level: 'silent' });

function job(order: Partial<StoredWorkOrder> = {}): WorkOrderJob {
  return {
    round_id: 'round-1',
    workorder_id: 'wo-1',
    attempt: 1,
    order: {
      id: 'wo-1',
      title: 'Test',
      instructions: 'Say hello.',
      plugin: 'echo',
      branch: 'feat/x',
      phases: ['coding', 'testing'],
      priority: 5,
      ...order,
    },
  };
}

function pluginWith(name: string, handle: PhaseHandler) {
  return definePlugin({ name, version: '1.0.0', apiVersion: SDK_API_VERSION, handle });
}

describe(runRound.name, () => {
  let dataDir: string;
  let registry: PluginRegistry;
  let events: (PhaseEvent | LogEvent)[];
  let options: RunRoundOptions;

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'sc-run-round-'));
    registry = new PluginRegistry();
    registry.register(echoPlugin, 'built-in');
    events = [];
    options = {
      registry,
      logger,
      worker: 'test-worker',
      artifacts: createLocalArtifactStore({ dataDir }),
      onEvent: (event) => events.push(event),
    };
  });

  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('runs echo through every phase and returns a valid success Report', async () => {
    const report = await runRound(job({ params: { a: 1 } }), options);
    expect(validateReport(report)).toMatchObject({ ok: true });
    expect(report).toMatchObject({
      status: 'success',
      summary: 'Say hello.',
      round_id: 'round-1',
      attempt: 1,
      worker: 'test-worker',
    });
    expect(report.phases.map((phase) => [phase.name, phase.status])).toEqual([
      ['coding', 'success'],
      ['testing', 'success'],
    ]);
    expect(report.artifacts).toHaveLength(1);
    const [artifact] = report.artifacts;
    const content = readFileSync(fileURLToPath(artifact.uri));
    expect(artifact.sha256).toBe(createHash('sha256').update(content).digest('hex'));
    expect(JSON.parse(content.toString())).toEqual({ a: 1 });
  });

  it('emits phase start and end events and the plugin log lines', async () => {
    await runRound(job({ phases: ['coding'] }), options);
    expect(events.map((event) => (event.type === 'phase' ? `phase ${event.state}` : `log ${event.message}`))).toEqual([
      'phase started',
      'log params stored',
      'phase finished',
    ]);
  });

  it('runs a setup hook before the first phase as phase setup, and records nothing when it had nothing to do', async () => {
    const calls: string[] = [];
    const setupPlugin = (name: string, setup: PhaseHandler) =>
      definePlugin({
        name,
        version: '1.0.0',
        apiVersion: SDK_API_VERSION,
        setup,
        handle: (_order, ctx) => void calls.push(`${name} ${ctx.phase}`),
        finalize: (_order, ctx) => void calls.push(`${name} finalize ${ctx.phase}`),
      });
    registry.register(
      setupPlugin('idle', () => undefined),
      'test',
    );
    registry.register(
      setupPlugin('busy', (_order, ctx) => (calls.push(`busy setup ${ctx.phase}`), { summary: 'set up', exitCode: 0 })),
      'test',
    );
    registry.register(
      setupPlugin('broken', () => ({ status: 'failure', exitCode: 7, error: 'npm ci exited 7' })),
      'test',
    );

    const idle = await runRound(job({ plugin: 'idle', phases: ['coding'] }), options);
    expect(idle.phases.map((phase) => phase.name)).toEqual(['coding']);
    expect(events.filter((event) => event.type === 'phase').map((event) => `${event.phase} ${event.state}`)).toEqual([
      'coding started',
      'coding finished',
    ]);

    const busy = await runRound(job({ plugin: 'busy', phases: ['coding'] }), options);
    expect(busy.phases.map((phase) => [phase.name, phase.status, phase.exit_code])).toEqual([
      ['setup', 'success', 0],
      ['coding', 'success', null],
    ]);
    const broken = await runRound(job({ plugin: 'broken', phases: ['coding'] }), options);
    expect(broken).toMatchObject({
      status: 'failure',
      error: 'npm ci exited 7',
      phases: [{ name: 'setup', status: 'failure', exit_code: 7 }],
    });
    expect(validateReport(broken).ok).toBe(true);
    expect(calls).toEqual([
      'idle coding',
      'idle finalize coding',
      'busy setup setup',
      'busy finalize setup',
      'busy coding',
      'busy finalize coding',
      'broken finalize setup',
    ]);
  });

  it('answers an unknown plugin with an error Report naming the known plugins', async () => {
    const report = await runRound(job({ plugin: 'nope' }), options);
    expect(report).toMatchObject({ status: 'error', phases: [] });
    expect(report.error).toBe('unknown plugin "nope"; known plugins: echo');
    expect(validateReport(report).ok).toBe(true);
  });

  it('ends with error and the message when the plugin throws, without running later phases', async () => {
    registry.register(
      pluginWith('boom', () => {
        throw new Error('kaboom');
      }),
      'test',
    );
    const report = await runRound(job({ plugin: 'boom' }), options);
    expect(report).toMatchObject({ status: 'error', error: 'kaboom' });
    expect(report.phases).toEqual([
      expect.objectContaining({ name: 'coding', status: 'error', error: 'kaboom', exit_code: null }),
    ]);
  });

  it('ends with failure when the plugin reports failure, and records its exit code', async () => {
    registry.register(
      pluginWith('fails', () => ({ exitCode: 3, summary: 'tests failed' })),
      'test',
    );
    const report = await runRound(job({ plugin: 'fails' }), options);
    expect(report).toMatchObject({ status: 'failure', summary: 'tests failed' });
    expect(report.phases).toEqual([expect.objectContaining({ status: 'failure', exit_code: 3 })]);
  });

  it('ends with timeout naming the phase when the phase outlives its phase_timeout', async () => {
    registry.register(
      pluginWith('slow', (order, ctx) =>
        ctx.phase === 'testing'
          ? new Promise((resolve) => ctx.signal.addEventListener('abort', () => resolve()))
          : undefined,
      ),
      'test',
    );
    const report = await runRound(job({ plugin: 'slow', phase_timeout: { testing: 0.05 } }), options);
    expect(report).toMatchObject({ status: 'timeout', error: 'phase testing timed out after 50 ms' });
    expect(report.phases.map((phase) => phase.status)).toEqual(['success', 'timeout']);
  });

  it('ends with cancelled when the outer signal aborts mid-phase', async () => {
    const controller = new AbortController();
    registry.register(
      pluginWith('waits', (order, ctx) => {
        setImmediate(() => controller.abort(new Error('cancel requested')));
        return new Promise((resolve) => ctx.signal.addEventListener('abort', () => resolve()));
      }),
      'test',
    );
    const report = await runRound(job({ plugin: 'waits' }), { ...options, signal: controller.signal });
    expect(report).toMatchObject({ status: 'cancelled', error: 'cancelled: cancel requested' });
    expect(report.phases).toHaveLength(1);
  });

  it('leaves no timer behind when a later phase is cancelled: an earlier phase no longer waits on the signal', async () => {
    const controller = new AbortController();
    registry.register(
      pluginWith('waits-in-testing', (order, ctx) => {
        if (ctx.phase === 'coding') return { summary: 'coded' };
        setImmediate(() => controller.abort(new Error('cancel requested')));
        return new Promise((resolve) => ctx.signal.addEventListener('abort', () => resolve()));
      }),
      'test',
    );
    const timers = () => process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;
    const before = timers();
    const report = await runRound(job({ plugin: 'waits-in-testing' }), { ...options, signal: controller.signal });
    expect(report.phases.map((phase) => phase.status)).toEqual(['success', 'cancelled']);
    // Each phase's wait for its plugin to settle after an abort would start a timer of its own (settleMs, 15 s).
    expect(timers()).toBe(before);
  });

  it('stops waiting for a plugin that ignores its signal', async () => {
    registry.register(
      pluginWith('deaf', () => new Promise(() => undefined)),
      'test',
    );
    const report = await runRound(job({ plugin: 'deaf', phase_timeout: { coding: 0.02 } }), {
      ...options,
      settleMs: 20,
    });
    expect(report.status).toBe('timeout');
  });

  it('sums token usage per agent and model, pricing what came without a cost from the table', async () => {
    registry.register(
      pluginWith('tokens', (order, ctx) => {
        ctx.reportTokens({ agent: 'claude', model: 'sonnet', input: 10, output: 1 });
        ctx.reportTokens({ agent: 'codex', model: 'gpt-5', input: 5, output: 5, cache_read: 1000 });
        ctx.reportTokens({ agent: 'claude', model: 'sonnet', input: 2, output: 3, cache_write: 7 });
      }),
      'test',
    );
    const report = await runRound(job({ plugin: 'tokens', phases: ['coding'] }), options);
    // gpt-5: $1.25 per million input tokens, $0.125 cached, $10 output; `sonnet` alone names no priced model.
    const gpt5Cost = (5 * 1.25 + 1000 * 0.125 + 5 * 10) / 1e6;
    expect(report.token_usage).toEqual([
      { agent: 'claude', model: 'sonnet', input: 12, output: 4, cache_read: 0, cache_write: 7, cost_usd: null },
      {
        agent: 'codex',
        model: 'gpt-5',
        input: 5,
        output: 5,
        cache_read: 1000,
        cache_write: 0,
        cost_usd: Number(gpt5Cost.toFixed(10)),
      },
    ]);
    expect(report.cost_usd).toBe(Number(gpt5Cost.toFixed(10)));
  });

  it('sums cost_usd into the Report', async () => {
    registry.register(
      pluginWith('priced', (order, ctx) => {
        ctx.reportTokens({ agent: 'claude', model: 'sonnet', input: 10, output: 1, cost_usd: 0.25 });
        ctx.reportTokens({ agent: 'claude', model: 'sonnet', input: 0, output: 0, cost_usd: 0.125 });
      }),
      'test',
    );
    const report = await runRound(job({ plugin: 'priced', phases: ['coding'] }), options);
    expect(report.cost_usd).toBe(0.375);
  });

  it.each([
    ['max_tokens', { max_tokens: 100 }, /^budget_exceeded: 150 tokens used, budget\.max_tokens is 100$/],
    ['max_cost_usd', { max_cost_usd: 0.5 }, /^budget_exceeded: \$0\.75 spent, budget\.max_cost_usd is \$0\.5$/],
  ])('aborts the phase and ends failure with budget_exceeded once %s is passed', async (_what, budget, reason) => {
    let abortReason: unknown;
    registry.register(
      pluginWith('spender', (order, ctx) => {
        ctx.reportTokens({ agent: 'a', model: 'm', input: 50, output: 0, cost_usd: 0.25 });
        expect(ctx.signal.aborted).toBe(false);
        ctx.reportTokens({ agent: 'a', model: 'm', input: 50, output: 50, cost_usd: 0.5 });
        abortReason = ctx.signal.reason;
        return new Promise((resolve) => setTimeout(resolve, 5));
      }),
      'test',
    );
    const report = await runRound(job({ plugin: 'spender', budget }), options);
    expect(abortReason).toMatchObject({ name: 'BudgetExceededError' });
    expect(report).toMatchObject({ status: 'failure', error: expect.stringMatching(reason) });
    expect(report.phases).toEqual([expect.objectContaining({ name: 'coding', status: 'failure' })]);
    expect(validateReport(report).ok).toBe(true);
  });

  describe('finalize', () => {
    it('runs after a timed-out phase with a fresh signal, and its commits and summary join the Report', async () => {
      const seen: { aborted: boolean; ending: unknown }[] = [];
      registry.register(
        definePlugin({
          name: 'keeper',
          version: '1.0.0',
          apiVersion: SDK_API_VERSION,
          handle: (order, ctx) => new Promise((resolve) => ctx.signal.addEventListener('abort', () => resolve())),
          finalize: (order, ctx, ending) => {
            seen.push({ aborted: ctx.signal.aborted, ending });
            return {
              summary: 'kept the partial work',
              commits: [{ sha: 'a'.repeat(40), branch: 'feat/x', message: 'partial' }],
            };
          },
        }),
        'test',
      );
      const report = await runRound(job({ plugin: 'keeper', phase_timeout: { coding: 0.02 } }), options);
      expect(seen).toEqual([
        { aborted: false, ending: { status: 'timeout', error: 'phase coding timed out after 20 ms' } },
      ]);
      expect(report).toMatchObject({
        status: 'timeout',
        summary: 'kept the partial work',
        commits: [{ sha: 'a'.repeat(40), branch: 'feat/x' }],
      });
    });

    it('turns a successful phase into error when finalize throws', async () => {
      registry.register(
        definePlugin({
          name: 'flaky',
          version: '1.0.0',
          apiVersion: SDK_API_VERSION,
          handle: () => undefined,
          finalize: () => {
            throw new Error('disk full');
          },
        }),
        'test',
      );
      const report = await runRound(job({ plugin: 'flaky' }), options);
      expect(report).toMatchObject({ status: 'error', error: 'finalize failed: disk full' });
      expect(report.phases).toHaveLength(1);
    });

    it('gives up on a finalize that outlives its deadline and says so', async () => {
      registry.register(
        definePlugin({
          name: 'stuck',
          version: '1.0.0',
          apiVersion: SDK_API_VERSION,
          handle: () => ({ exitCode: 1 }),
          finalize: () => new Promise(() => undefined),
        }),
        'test',
      );
      const report = await runRound(job({ plugin: 'stuck' }), { ...options, finalizeMs: 20, settleMs: 10 });
      expect(report).toMatchObject({
        status: 'failure',
        error: 'plugin reported failure (exit code 1); finalize failed: finalize did not finish within 20 ms',
      });
    });
  });

  it('rethrows RateLimitedError so the caller can delay the job', async () => {
    registry.register(
      pluginWith('limited', () => {
        throw new RateLimitedError(1500);
      }),
      'test',
    );
    await expect(runRound(job({ plugin: 'limited' }), options)).rejects.toMatchObject({
      name: 'RateLimitedError',
      retryAfterMs: 1500,
    });
  });

  it('turns a result the report schema refuses into an error Report', async () => {
    registry.register(
      pluginWith('junk', () => ({ commits: [{ sha: 42 } as unknown as { sha: string }] })),
      'test',
    );
    const report = await runRound(job({ plugin: 'junk', phases: ['coding'] }), options);
    expect(report.status).toBe('error');
    expect(report.error).toContain('/commits/0/sha');
    expect(validateReport(report).ok).toBe(true);
  });

  describe("a model's rate limit", () => {
    let server: FakeModelServer;
    let gateway: ModelGateway;

    afterEach(async () => {
      await gateway?.close();
      await server?.close();
    });

    /**
     * A plugin making `calls` agent turns one after the other through its model route, then (as a CLI retrying
     * does) waiting to be stopped, or with `done` returning.
     */
    async function callsThrough(fault: FakeFault, calls: number, done = false): Promise<void> {
      server = await startFakeAnthropicServer({ fault, script: [] });
      gateway = new ModelGateway(
        loadUpstreams({ ANTHROPIC_BASE_URL: server.url, ANTHROPIC_API_KEY: 'key' }),
        new ModelPrices(),
      );
      options = { ...options, gateway, waitMinMs: 1000 };
      registry.register(
        pluginWith('caller', async (_order, ctx) => {
          const route = await ctx.openModelRoute({ provider: 'anthropic', agent: 'a1' });
          for (let call = 0; call < calls && !ctx.signal.aborted; call++) {
            const answer = await fetch(`${route.baseUrl}/v1/messages`, {
              method: 'POST',
              headers: { 'x-api-key': route.apiKey, 'content-type': 'application/json' },
              body: JSON.stringify({
                model: 'claude-sonnet-4-5',
                max_tokens: 10,
                stream: true,
                messages: [{ role: 'user', content: 'hi' }],
                tools: [{ name: 'Bash', input_schema: { type: 'object' } }],
              }),
            });
            await answer.text();
          }
          if (!done) await new Promise((stopped) => ctx.signal.addEventListener('abort', stopped));
          return { exitCode: 0 };
        }),
        'test',
      );
    }

    it('waits SC_WAIT_MIN_S at the third answer without a reset time, then twice as long each time', async () => {
      await callsThrough({ kind: '429', times: 6, retryAfterS: null }, 3);
      const waited = runRound(job({ plugin: 'caller', phases: ['coding'] }), options);
      await expect(waited).rejects.toBeInstanceOf(RateLimitBackoffError);
      await expect(waited).rejects.toMatchObject({
        retryAfterMs: 1000,
        message: expect.stringMatching(/^rate_limited until \S+ \(a1; no reset time given: wait 1 of 5\)$/),
      });
      await expect(
        runRound({ ...job({ plugin: 'caller', phases: ['coding'] }), rate_limit_waits: 3 }, options),
      ).rejects.toMatchObject({ retryAfterMs: 8000 });
    });

    it('leaves fewer answers without a reset time, or ones with an answered call between, to the agent', async () => {
      await callsThrough({ kind: '429', times: 2, fromCall: 1, retryAfterS: null }, 5, true);
      // 200, 429, 429, 200, 200: two in a row, then answers again.
      const report = await runRound(job({ plugin: 'caller', phases: ['coding'] }), options);
      expect(report.status).toBe('success');
      expect(server.calls.map((call) => call.status)).toEqual([200, 429, 429, 200, 200]);
    });

    it('fails the phase once the waits are used up', async () => {
      await callsThrough({ kind: '429', times: 100, retryAfterS: null }, 10);
      const report = await runRound({ ...job({ plugin: 'caller', phases: ['coding'] }), rate_limit_waits: 5 }, options);
      expect(report).toMatchObject({
        status: 'failure',
        error: 'rate_limited: the model kept answering with a rate limit and no reset time (a1), also after 5 waits',
      });
      expect(server.calls).toHaveLength(3);
    });

    it('waits until the reset a rate limit names, when it is SC_WAIT_MIN_S away or more', async () => {
      await callsThrough({ kind: '429', times: 1, retryAfterS: 30 }, 1);
      await expect(runRound(job({ plugin: 'caller', phases: ['coding'] }), options)).rejects.toMatchObject({
        name: 'RateLimitedError',
        message: expect.stringMatching(/^rate_limited until \S+ \(a1\)$/),
      });
    });
  });
});
