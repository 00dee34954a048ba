import { Counter, Histogram, Registry } from 'prom-client';
import type { Report } from '@sc/schemas';
import { MetricName } from './metric-names';
import { roundDurationBuckets } from '@sc/schemas';
import { RoundMetrics } from './round.metrics';

function createMetrics(): { metrics: RoundMetrics; registry: Registry } {
  const registry = new Registry();
  const metrics = new RoundMetrics(
    new Counter({ name: MetricName.RoundTotal, help: 'h', labelNames: ['status', 'plugin'], registers: [registry] }),
    new Counter({
      name: MetricName.TokenUsageTotal,
      help: 'h',
      labelNames: ['model', 'agent', 'kind'],
      registers: [registry],
    }),
    new Counter({ name: MetricName.CostUsdTotal, help: 'h', labelNames: ['model', 'agent'], registers: [registry] }),
    new Counter({ name: MetricName.RoundIdleTimeoutTotal, help: 'h', labelNames: ['plugin'], registers: [registry] }),
    new Histogram({
      name: MetricName.RoundDurationSeconds,
      help: 'h',
      labelNames: ['plugin', 'status'],
      buckets: [...roundDurationBuckets],
      registers: [registry],
    }),
  );
  return { metrics, registry };
}

/** The value of the counter sample of `name` with `labels`. */
async function value(registry: Registry, name: string, labels: Record<string, string>): Promise<number | undefined> {
  const metric = await registry.getSingleMetric(name)?.get();
  return metric?.values.find((sample) => Object.entries(labels).every(([key, v]) => sample.labels[key] === v))?.value;
}

describe(RoundMetrics.name, () => {
  it('counts an ended attempt by Round state and plugin, with its duration', async () => {
    const { metrics, registry } = createMetrics();
    metrics.roundEnded(
      { plugin: 'shell', startedAt: '2026-01-01T00:00:00.000Z', finishedAt: '2026-01-01T00:00:02.500Z' },
      'failed',
      '2026-01-01T00:00:03.000Z',
    );
    expect(await value(registry, MetricName.RoundTotal, { status: 'failed', plugin: 'shell' })).toBe(1);
    const histogram = await (registry.getSingleMetric(MetricName.RoundDurationSeconds) as Histogram).get();
    expect(histogram.values.find((sample) => sample.metricName === 'round_duration_seconds_sum')).toMatchObject({
      value: 2.5,
      labels: { plugin: 'shell', status: 'failed' },
    });
    expect(
      histogram.values.find(
        (sample) => sample.metricName === 'round_duration_seconds_bucket' && sample.labels.le === 2.5,
      )?.value,
    ).toBe(1);
  });

  it('observes no duration for a Round that never started', async () => {
    const { metrics, registry } = createMetrics();
    metrics.roundEnded(
      { plugin: 'echo', startedAt: null, finishedAt: '2026-01-01T00:00:00.000Z' },
      'cancelled',
      '2026-01-01T00:00:00.000Z',
    );
    expect(await value(registry, MetricName.RoundTotal, { status: 'cancelled', plugin: 'echo' })).toBe(1);
    const histogram = await (registry.getSingleMetric(MetricName.RoundDurationSeconds) as Histogram).get();
    expect(histogram.values.filter((sample) => sample.metricName === 'round_duration_seconds_count')).toEqual([]);
  });

  it('counts every kind of token and the priced cost of every agent of a Report', async () => {
    const { metrics, registry } = createMetrics();
    const usage = [
      { agent: 'claude', model: 'sonnet', input: 100, output: 20, cache_read: 900, cache_write: 40, cost_usd: null },
      { agent: 'codex', model: 'gpt-5', input: 5, output: 1, cost_usd: 0.25 },
      { agent: 'claude', model: 'sonnet', input: 1, output: 1 },
    ];
    metrics.reportStored({ status: 'success', token_usage: usage } as Report, 'agent-cli');
    expect(await value(registry, MetricName.TokenUsageTotal, { model: 'sonnet', agent: 'claude', kind: 'input' })).toBe(
      101,
    );
    expect(
      await value(registry, MetricName.TokenUsageTotal, { model: 'sonnet', agent: 'claude', kind: 'output' }),
    ).toBe(21);
    expect(
      await value(registry, MetricName.TokenUsageTotal, { model: 'sonnet', agent: 'claude', kind: 'cache_read' }),
    ).toBe(900);
    expect(
      await value(registry, MetricName.TokenUsageTotal, { model: 'sonnet', agent: 'claude', kind: 'cache_write' }),
    ).toBe(40);
    expect(await value(registry, MetricName.TokenUsageTotal, { model: 'gpt-5', agent: 'codex', kind: 'output' })).toBe(
      1,
    );
    expect(await value(registry, MetricName.CostUsdTotal, { model: 'gpt-5', agent: 'codex' })).toBe(0.25);
    // An unknown price adds nothing, rather than a zero that reads as "free".
    expect(await value(registry, MetricName.CostUsdTotal, { model: 'sonnet', agent: 'claude' })).toBeUndefined();
  });

  it('counts a timeout for silence apart, beside the phase timeouts', async () => {
    const { metrics, registry } = createMetrics();
    metrics.reportStored(
      {
        status: 'timeout',
        error: 'idle_timeout: claude had no output and made no model call for 600 s, twice',
        token_usage: [],
      } as unknown as Report,
      'agent-cli',
    );
    metrics.reportStored(
      { status: 'timeout', error: 'phase coding timed out after 1800 s', token_usage: [] } as unknown as Report,
      'agent-cli',
    );
    expect(await value(registry, MetricName.RoundIdleTimeoutTotal, { plugin: 'agent-cli' })).toBe(1);
  });
});
