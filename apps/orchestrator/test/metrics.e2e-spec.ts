import { JobName, QueueName, type Report } from '@sc/schemas';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  createStackEnv,
  freePort,
  repoRoot,
  startProcess,
  startWorker,
  orchestratorMain,
  type StackProcess,
} from '../../../test/support/local-stack';
import {
  hasPromtool,
  metricFamilies,
  parsePrometheusText,
  promtool,
  promtoolSkipReason,
  sampleValue,
  type PrometheusSample,
} from '../../../test/support/prometheus-text';
import { until } from '../../../test/support/until';
import { orchestratorMetricNames } from '../src/metrics/metric-names';
import { queueDepthStates } from '../src/metrics/queue-depth.collector';
import { echoOrder, startOrchestratorStack, type OrchestratorStack } from './support/orchestrator-stack';

// The worker's fixture plugin that reports `params.tokens`; the orchestrator must know the name too.
const tokensPlugin = join(repoRoot, 'apps', 'worker', 'test', 'fixtures', 'tokens.plugin.js');
const token = 'metrics-test-token';
const auth = { authorization: `Bearer ${token}` };

describe('GET /metrics with a worker running Rounds', () => {
  let sc: OrchestratorStack;
  let worker: StackProcess | undefined;

  const scrape = async (): Promise<{ text: string; samples: PrometheusSample[] }> => {
    // No Authorization header: /metrics stays open when SC_API_TOKEN is set.
    const response = await fetch(`${sc.orchestrator.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain;.*version=0\.0\.4/);
    const text = await response.text();
    return { text, samples: parsePrometheusText(text) };
  };
  const untilValue = (what: string, read: (samples: PrometheusSample[]) => number, expected: number) =>
    until(async () => read((await scrape()).samples) === expected, { what: `${what} = ${expected}` });
  const submit = async (overrides: Record<string, unknown> = {}): Promise<string> => {
    const answer = await sc.call('POST', '/workorders', { body: echoOrder(overrides), headers: auth });
    expect(answer.status).toBe(200);
    return answer.body.round_id as string;
  };
  const report = (roundId: string) =>
    until(
      async () => {
        const answer = await sc.call<Report>('GET', `/reports/${roundId}`, { headers: auth });
        return answer.status === 200 ? answer.body : undefined;
      },
      { timeoutMs: 30_000, what: `report of ${roundId}` },
    );
  const waiting = (samples: PrometheusSample[]) =>
    sampleValue(samples, 'queue_depth', { queue: QueueName.WorkOrders, state: 'waiting' }) +
    sampleValue(samples, 'queue_depth', { queue: QueueName.WorkOrders, state: 'prioritized' });

  beforeAll(async () => {
    sc = await startOrchestratorStack({ SC_API_TOKEN: token, SC_PLUGINS: tokensPlugin });
    mkdirSync(sc.stack.dataDir, { recursive: true });
  });
  afterAll(async () => {
    await worker?.stop();
    await sc?.close();
  });

  it('is open without a token and lists every orchestrator metric and the Node defaults', async () => {
    expect((await sc.call('GET', '/rounds')).status).toBe(401);
    const { text, samples } = await scrape();
    for (const name of orchestratorMetricNames) expect(metricFamilies(text)).toContain(name);
    expect(samples.some((sample) => sample.name === 'process_cpu_seconds_total')).toBe(true);
    expect(samples.some((sample) => sample.name === 'nodejs_eventloop_lag_seconds')).toBe(true);
    for (const queue of [QueueName.WorkOrders, QueueName.Reports, QueueName.Events]) {
      for (const state of queueDepthStates)
        expect(samples).toContainEqual({ name: 'queue_depth', labels: { queue, state }, value: expect.any(Number) });
    }
  });

  it('shows a queued job in queue_depth until a worker takes it, then counts the Round and its duration', async () => {
    const roundId = await submit();
    await untilValue('queue_depth{workorders, waiting+prioritized}', waiting, 1);

    worker = await startWorker(sc.stack);
    expect((await report(roundId)).status).toBe('success');
    await untilValue(
      'round_total{succeeded,echo}',
      (s) => sampleValue(s, 'round_total', { status: 'succeeded', plugin: 'echo' }),
      1,
    );
    const { samples } = await scrape();
    expect(waiting(samples)).toBe(0);
    expect(sampleValue(samples, 'round_duration_seconds_count', { plugin: 'echo', status: 'succeeded' })).toBe(1);
    expect(
      sampleValue(samples, 'round_duration_seconds_bucket', { plugin: 'echo', status: 'succeeded', le: '+Inf' }),
    ).toBe(1);
    expect(sampleValue(samples, 'round_duration_seconds_sum', { plugin: 'echo', status: 'succeeded' })).toBeGreaterThan(
      0,
    );
  });

  it('counts the tokens of a stored Report once, and a repeated finished message not at all', async () => {
    const tokens = { agent: 'fixture-agent', model: 'fixture-model', input: 120, output: 30 };
    const roundId = await submit({ plugin: 'tokens', params: { tokens } });
    const stored = await report(roundId);
    expect(stored.token_usage).toEqual([{ ...tokens, cache_read: 0, cache_write: 0, cost_usd: null }]);
    const labels = { model: 'fixture-model', agent: 'fixture-agent' };
    await untilValue(
      'token_usage_total input',
      (s) => sampleValue(s, 'token_usage_total', { ...labels, kind: 'input' }),
      120,
    );
    expect(sampleValue((await scrape()).samples, 'token_usage_total', { ...labels, kind: 'output' })).toBe(30);

    // The worker's message again, as a redelivery would bring it: acknowledged, counted nowhere.
    await sc.queue(QueueName.Reports).add(JobName.RoundMessages, {
      messages: [{ type: 'finished', round_id: roundId, attempt: 1, report: stored, at: new Date().toISOString() }],
    });
    await until(() => sc.orchestrator.output().includes('"msg":"duplicate report ignored"'), {
      what: 'duplicate acknowledged',
    });
    const { samples } = await scrape();
    expect(sampleValue(samples, 'token_usage_total', { ...labels, kind: 'input' })).toBe(120);
    expect(sampleValue(samples, 'round_total', { status: 'succeeded', plugin: 'tokens' })).toBe(1);
  });

  it('counts a Round cancelled while queued', async () => {
    await worker?.stop();
    worker = undefined;
    const roundId = await submit();
    expect((await sc.call('POST', `/rounds/${roundId}/cancel`, { headers: auth })).body.state).toBe('cancelled');
    await untilValue(
      'round_total{cancelled,echo}',
      (s) => sampleValue(s, 'round_total', { status: 'cancelled', plugin: 'echo' }),
      1,
    );
    // It never ran, so it has no duration.
    expect(
      sampleValue((await scrape()).samples, 'round_duration_seconds_count', { plugin: 'echo', status: 'cancelled' }),
    ).toBe(0);
  });

  (hasPromtool ? it : it.skip)(`passes promtool check metrics${promtoolSkipReason}`, async () => {
    const result = promtool(['check', 'metrics'], (await scrape()).text);
    expect(result.output).toBe('');
    expect(result.status).toBe(0);
  });
});

describe('GET /metrics while Redis does not answer', () => {
  it('answers at once, without queue_depth samples', async () => {
    // Nothing listens on this port: every Redis command fails or waits, and the orchestrator is not "ready" — but
    // it serves HTTP, and /health says 503.
    const stack = createStackEnv(
      { REDIS_URL: `redis://127.0.0.1:${await freePort()}`, PORT: String(await freePort()) },
      { usePostgres: false },
    );
    const orchestrator = startProcess(orchestratorMain, stack.env);
    try {
      const health = () =>
        fetch(`http://127.0.0.1:${stack.env.PORT}/health`).then(
          (answer) => answer.status,
          () => undefined,
        );
      await until(async () => (await health()) === 503, { timeoutMs: 30_000, what: '/health answering 503' });
      const response = await fetch(`http://127.0.0.1:${stack.env.PORT}/metrics`, {
        signal: AbortSignal.timeout(5_000),
      });
      expect(response.status).toBe(200);
      const text = await response.text();
      expect(metricFamilies(text)).toContain('queue_depth');
      expect(parsePrometheusText(text).filter((sample) => sample.name === 'queue_depth')).toEqual([]);
      await until(() => orchestrator.output().includes('"msg":"queue depth not collected"'), { what: 'outage logged' });
    } finally {
      await orchestrator.stop();
      stack.cleanup();
    }
  });
});
