import { Module, type OnModuleInit } from '@nestjs/common';
import {
  makeCounterProvider,
  makeGaugeProvider,
  makeHistogramProvider,
  PrometheusModule,
} from '@willsoto/nestjs-prometheus';
import { register, type Gauge } from 'prom-client';
import { ClusterModule } from '../cluster/cluster.module';
import { QueueModule } from '../queue/queue.module';
import { MetricName } from './metric-names';
import { QueueDepthCollector } from './queue-depth.collector';
import { roundDurationBuckets } from '@sc/schemas';
import { RoundMetrics } from './round.metrics';
import { RoundStateCollector } from './round-state.collector';

/**
 * prom-client's default gauges that end in `_total`, which `promtool check metrics` refuses (only counters
 * may). Each has a twin without the suffix, by type (`nodejs_active_handles{type}`…), so nothing is lost.
 */
const lintFailingDefaults = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

/**
 * `GET /metrics` (Prometheus text, open even with `SC_API_TOKEN`, see `ApiTokenGuard`): the Node defaults,
 * the Round counters that {@link RoundMetrics} updates, and `queue_depth` read from BullMQ on each scrape.
 */
@Module({
  imports: [
    PrometheusModule.register({ path: '/metrics', defaultMetrics: { enabled: true } }),
    QueueModule,
    ClusterModule,
  ],
  providers: [
    makeCounterProvider({
      name: MetricName.RoundTotal,
      help: 'Round attempts that reached a terminal state, by that Round state and plugin.',
      labelNames: ['status', 'plugin'],
    }),
    makeCounterProvider({
      name: MetricName.TokenUsageTotal,
      help: 'Tokens in stored Reports, by model, agent and kind (input, output, cache_read, cache_write).',
      labelNames: ['model', 'agent', 'kind'],
    }),
    makeCounterProvider({
      name: MetricName.RoundIdleTimeoutTotal,
      help: 'Round attempts that ended timed out because an agent had no output and made no model call for its idle_timeout, twice.',
      labelNames: ['plugin'],
    }),
    makeCounterProvider({
      name: MetricName.CostUsdTotal,
      help: 'Priced cost in USD of the tokens in stored Reports, by model and agent.',
      labelNames: ['model', 'agent'],
    }),
    makeHistogramProvider({
      name: MetricName.RoundDurationSeconds,
      help: 'Seconds from the start of a Round attempt to its terminal state, by plugin and Round state.',
      labelNames: ['plugin', 'status'],
      buckets: [...roundDurationBuckets],
    }),
    makeGaugeProvider({
      name: MetricName.QueueDepth,
      help: 'BullMQ jobs by queue and state, read from Redis when scraped.',
      labelNames: ['queue', 'state'],
      inject: [QueueDepthCollector],
      collect(this: Gauge<'queue' | 'state'>, collector: QueueDepthCollector) {
        return collector.collect(this);
      },
    }),
    makeGaugeProvider({
      name: MetricName.RoundWaiting,
      help: 'Rounds paused until a model rate or usage limit resets, read from the database when scraped.',
      inject: [RoundStateCollector],
      collect(this: Gauge, collector: RoundStateCollector) {
        return collector.collect(this, 'waiting');
      },
    }),
    makeGaugeProvider({
      name: MetricName.RoundAwaitingReview,
      help: 'Rounds held for a review decision (approve or reject), read from the database when scraped.',
      inject: [RoundStateCollector],
      collect(this: Gauge, collector: RoundStateCollector) {
        return collector.collect(this, 'awaiting_review');
      },
    }),
    QueueDepthCollector,
    RoundStateCollector,
    RoundMetrics,
  ],
  exports: [RoundMetrics],
})
export class MetricsModule implements OnModuleInit {
  onModuleInit(): void {
    for (const name of lintFailingDefaults) register.removeSingleMetric(name);
  }
}
