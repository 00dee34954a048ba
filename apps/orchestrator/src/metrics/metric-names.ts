/**
 * The orchestrator's own metric families, named as the design names them. The worker exposes
 * `round_total`, `token_usage_total` and `round_duration_seconds` under the same names and labels, so one
 * dashboard query reads both; the Grafana dashboard test checks its queries against this list.
 */
export const MetricName = {
  /** Counter `{status, plugin}`: Round attempts that reached a terminal state, by that state. */
  RoundTotal: 'round_total',
  /** Counter `{model, agent, kind}`: tokens of each stored Report, `kind` is `input` or `output`. */
  TokenUsageTotal: 'token_usage_total',
  /** Histogram `{plugin, status}`: seconds from an attempt's start to its end. */
  RoundDurationSeconds: 'round_duration_seconds',
  /** Gauge `{queue, state}`: BullMQ job counts, read from Redis on each scrape. */
  QueueDepth: 'queue_depth',
} as const;

/** Every orchestrator metric family (Node defaults aside). */
export const orchestratorMetricNames: readonly string[] = Object.values(MetricName);
