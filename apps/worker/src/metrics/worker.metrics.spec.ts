import type { Report } from '@sc/schemas';
import { parseWorkerConfig } from '../config/worker.config';
import { WorkerMetrics } from './worker.metrics';

const report = (status: Report['status']): Report => ({
  round_id: 'r-1',
  workorder_id: 'wo-1',
  status,
  summary: '',
  phases: [],
  token_usage: [{ agent: 'claude', model: 'sonnet', input: 10, output: 4 }],
  cost_usd: 0,
  artifacts: [],
  commits: [],
  attempt: 1,
  worker: 'test',
});

async function value(
  metrics: WorkerMetrics,
  name: string,
  labels: Record<string, string> = {},
): Promise<number | undefined> {
  const metric = await metrics.registry.getSingleMetric(name)?.get();
  return metric?.values.find((sample) => Object.entries(labels).every(([key, v]) => sample.labels[key] === v))?.value;
}

describe(WorkerMetrics.name, () => {
  it('labels a finished Round with the Round state its Report leads to', async () => {
    const metrics = new WorkerMetrics(parseWorkerConfig({}));
    metrics.roundStarted('shell').finished(report('timeout'));
    expect(await value(metrics, 'round_total', { status: 'timed_out', plugin: 'shell' })).toBe(1);
    expect(await value(metrics, 'token_usage_total', { model: 'sonnet', agent: 'claude', kind: 'input' })).toBe(10);
    expect(await value(metrics, 'token_usage_total', { model: 'sonnet', agent: 'claude', kind: 'output' })).toBe(4);
  });

  it('counts a running Round once however often it ends', async () => {
    const metrics = new WorkerMetrics(parseWorkerConfig({ SC_WORKER_CONCURRENCY: '2' }));
    const first = metrics.roundStarted('echo');
    metrics.roundStarted('echo');
    expect(await value(metrics, 'worker_active_rounds')).toBe(2);
    first.ended();
    first.ended();
    expect(await value(metrics, 'worker_active_rounds')).toBe(1);
    expect(await value(metrics, 'worker_concurrency')).toBe(2);
  });

  it('leaves out the default gauges that promtool refuses for their _total suffix', () => {
    const metrics = new WorkerMetrics(parseWorkerConfig({}));
    expect(metrics.registry.getSingleMetric('nodejs_active_handles_total')).toBeUndefined();
    expect(metrics.registry.getSingleMetric('nodejs_active_handles')).toBeDefined();
  });
});
