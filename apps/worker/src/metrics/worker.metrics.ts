import { Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import {
  reportUsageIncrements,
  RoundMetricName,
  roundDurationBuckets,
  RoundStateByReportStatus,
  type Report,
} from '@sc/schemas';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { WorkerConfig } from '../config/worker.config';

/**
 * prom-client's default gauges that end in `_total`, which `promtool check metrics` refuses (only counters may
 * end so). Each has a twin without the suffix and by type (`nodejs_active_handles{type}`…), so nothing is lost.
 */
const lintFailingDefaults = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

/** A Round this worker is running, from `roundStarted()` until `ended()`. */
export interface RunningRound {
  /** Counts the attempt as finished with `report` (once the Report is published). */
  finished(report: Report): void;
  /** The worker no longer runs it (finished, requeued or thrown); later calls do nothing. */
  ended(): void;
}

/**
 * This worker's Prometheus figures, in a registry of its own (served by `MetricsServer` on
 * `SC_WORKER_METRICS_PORT`). Names and labels are the design's, so one dashboard query reads the
 * orchestrator and the workers alike; `status` is the Round state the Report leads to (`succeeded`, …).
 */
@Injectable()
export class WorkerMetrics implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly registry = new Registry();
  private readonly rounds = new Counter({
    name: RoundMetricName.RoundTotal,
    help: 'Round attempts this worker finished, by the Round state they lead to and plugin.',
    labelNames: ['status', 'plugin'] as const,
    registers: [this.registry],
  });
  private readonly tokens = new Counter({
    name: RoundMetricName.TokenUsageTotal,
    help: 'Tokens the agents of this worker’s Rounds used, by model, agent and kind (input, output, cache_read, cache_write).',
    labelNames: ['model', 'agent', 'kind'] as const,
    registers: [this.registry],
  });
  private readonly cost = new Counter({
    name: RoundMetricName.CostUsdTotal,
    help: 'Priced cost in USD of the tokens the agents of this worker’s Rounds used, by model and agent.',
    labelNames: ['model', 'agent'] as const,
    registers: [this.registry],
  });
  private readonly duration = new Histogram({
    name: RoundMetricName.RoundDurationSeconds,
    help: 'Wall-clock time of the Round attempts this worker finished, by plugin and Round state.',
    labelNames: ['plugin', 'status'] as const,
    buckets: [...roundDurationBuckets],
    registers: [this.registry],
  });
  private readonly active = new Gauge({
    name: 'worker_active_rounds',
    help: 'Round attempts this worker runs right now.',
    registers: [this.registry],
  });
  private readonly up = new Gauge({
    name: 'worker_up',
    help: '1 while this worker takes jobs, 0 once it shuts down.',
    registers: [this.registry],
  });
  private readonly concurrency = new Gauge({
    name: 'worker_concurrency',
    help: 'Round attempts this worker runs at most at once (SC_WORKER_CONCURRENCY).',
    registers: [this.registry],
  });

  private readonly sandbox = new Gauge({
    name: 'worker_agent_sandbox',
    help: 'How this worker confines agents: 1 for its mode (bubblewrap; off: unconfined, unsafe; unavailable: agent work refused).',
    labelNames: ['mode'] as const,
    registers: [this.registry],
  });

  constructor(config: WorkerConfig) {
    collectDefaultMetrics({ register: this.registry });
    for (const name of lintFailingDefaults) this.registry.removeSingleMetric(name);
    this.concurrency.set(config.concurrency);
    this.sandbox.set({ mode: config.sandbox.mode }, 1);
  }

  onApplicationBootstrap(): void {
    this.up.set(1);
  }

  beforeApplicationShutdown(): void {
    this.up.set(0);
  }

  /** Marks a Round of `plugin` as running here and starts its clock. */
  roundStarted(plugin: string): RunningRound {
    this.active.inc();
    const stopClock = this.duration.startTimer({ plugin });
    let isRunning = true;
    return {
      finished: (report) => {
        const status = RoundStateByReportStatus[report.status];
        this.rounds.inc({ status, plugin });
        stopClock({ status });
        const { tokens, costs } = reportUsageIncrements(report);
        for (const { labels, value } of tokens) this.tokens.inc(labels, value);
        for (const { labels, value } of costs) this.cost.inc(labels, value);
      },
      ended: () => {
        if (!isRunning) return;
        isRunning = false;
        this.active.dec();
      },
    };
  }
}
