import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, type StackEnv, type StackProcess } from '../../../test/support/local-stack';
import {
  hasPromtool,
  parsePrometheusText,
  promtool,
  promtoolSkipReason,
  sampleValue,
  type PrometheusSample,
} from '../../../test/support/prometheus-text';
import { until } from '../../../test/support/until';
import { startWorkerStack, stopWorkerStack, type QueueDriver } from './worker-stack';

const fixture = (name: string) => join(__dirname, 'fixtures', name);

describe('worker: /metrics on SC_WORKER_METRICS_PORT', () => {
  let stack: StackEnv;
  let worker: StackProcess;
  let queues: QueueDriver;
  let metricsUrl: string;

  const scrape = async (): Promise<{ text: string; samples: PrometheusSample[] }> => {
    const response = await fetch(metricsUrl);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    return { text, samples: parsePrometheusText(text) };
  };

  /** Polls /metrics until `value` of the samples reaches `expected` (the worker counts after publishing). */
  const untilValue = (what: string, value: (samples: PrometheusSample[]) => number, expected: number) =>
    until(async () => value((await scrape()).samples) === expected, { what: `${what} = ${expected}` });

  beforeAll(async () => {
    const port = await freePort();
    metricsUrl = `http://127.0.0.1:${port}/metrics`;
    ({ stack, worker, queues } = await startWorkerStack({
      SC_PLUGINS: [fixture('tokens.plugin.js'), fixture('throwing.plugin.js'), fixture('sleeping.plugin.js')].join(','),
      SC_WORKER_METRICS_PORT: String(port),
      SC_WORKER_CONCURRENCY: '3',
    }));
  });

  afterAll(async () => {
    await stopWorkerStack({ stack, worker, queues });
  });

  it('says the worker is up, with its concurrency and the Node defaults, before any Round', async () => {
    const { samples } = await scrape();
    expect(sampleValue(samples, 'worker_up')).toBe(1);
    expect(sampleValue(samples, 'worker_concurrency')).toBe(3);
    expect(sampleValue(samples, 'worker_active_rounds')).toBe(0);
    expect(samples.some((sample) => sample.name === 'process_cpu_seconds_total')).toBe(true);
    expect(samples.some((sample) => sample.name === 'nodejs_eventloop_lag_seconds')).toBe(true);
  });

  it('counts a finished echo Round by Round state and plugin, with its duration', async () => {
    const job = await queues.submit();
    expect((await queues.finished(job.round_id)).report.status).toBe('success');
    await untilValue(
      'round_total{succeeded,echo}',
      (s) => sampleValue(s, 'round_total', { status: 'succeeded', plugin: 'echo' }),
      1,
    );
    const { samples } = await scrape();
    expect(sampleValue(samples, 'round_duration_seconds_count', { plugin: 'echo', status: 'succeeded' })).toBe(1);
    expect(
      sampleValue(samples, 'round_duration_seconds_bucket', { plugin: 'echo', status: 'succeeded', le: '+Inf' }),
    ).toBe(1);
    expect(sampleValue(samples, 'round_duration_seconds_sum', { plugin: 'echo', status: 'succeeded' })).toBeGreaterThan(
      0,
    );
    expect(sampleValue(samples, 'worker_active_rounds')).toBe(0);
  });

  it('counts the tokens of the Report by model, agent and kind', async () => {
    const tokens = { agent: 'fixture-agent', model: 'fixture-model', input: 120, output: 30 };
    const job = await queues.submit({ plugin: 'tokens', phases: ['coding'], params: { tokens } });
    expect((await queues.finished(job.round_id)).report.token_usage).toEqual([
      { ...tokens, cache_read: 0, cache_write: 0, cost_usd: null },
    ]);
    const labels = { model: 'fixture-model', agent: 'fixture-agent' };
    await untilValue(
      'token_usage_total input',
      (s) => sampleValue(s, 'token_usage_total', { ...labels, kind: 'input' }),
      120,
    );
    expect(sampleValue((await scrape()).samples, 'token_usage_total', { ...labels, kind: 'output' })).toBe(30);
  });

  it('counts a Round whose plugin throws as error', async () => {
    const job = await queues.submit({ plugin: 'throwing' });
    expect((await queues.finished(job.round_id)).report.status).toBe('error');
    await untilValue(
      'round_total{error,throwing}',
      (s) => sampleValue(s, 'round_total', { status: 'error', plugin: 'throwing' }),
      1,
    );
  });

  it('shows a running Round in worker_active_rounds until it is cancelled', async () => {
    const pidFile = join(stack.dataDir, 'metrics-sleeping.pid');
    const job = await queues.submit({ plugin: 'sleeping', phases: ['coding'], params: { pid_file: pidFile } });
    await until(() => existsSync(pidFile), { what: 'sleeping plugin started' });
    expect(sampleValue((await scrape()).samples, 'worker_active_rounds')).toBe(1);
    await queues.cancel(job, 'metrics test');
    expect((await queues.finished(job.round_id)).report.status).toBe('cancelled');
    await untilValue('worker_active_rounds', (s) => sampleValue(s, 'worker_active_rounds'), 0);
    expect(sampleValue((await scrape()).samples, 'round_total', { status: 'cancelled', plugin: 'sleeping' })).toBe(1);
  });

  it('answers 404 outside /metrics', async () => {
    expect((await fetch(metricsUrl.replace('/metrics', '/'))).status).toBe(404);
  });

  (hasPromtool ? it : it.skip)(`passes promtool check metrics${promtoolSkipReason}`, async () => {
    const { text } = await scrape();
    const result = promtool(['check', 'metrics'], text);
    expect(result.output).toBe('');
    expect(result.status).toBe(0);
  });
});
