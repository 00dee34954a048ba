import { RoundMetricName } from '@sc/schemas';

/**
 * The orchestrator's own metric families, named as the design names them. The worker exposes
 * `round_total`, `token_usage_total` and `round_duration_seconds` under the same names and labels, so one
 * dashboard query reads both; the Grafana dashboard test checks its queries against this list.
 */
export const MetricName = {
  ...RoundMetricName,
  /** Gauge `{queue, state}`: BullMQ job counts, read from Redis on each scrape. */
  QueueDepth: 'queue_depth',
  /** Counter `{plugin}`: attempts that ended `timed_out` because an agent went silent (idle_timeout), a part of `round_total{status="timed_out"}`. */
  RoundIdleTimeoutTotal: 'round_idle_timeout_total',
  /** Gauge: Rounds `waiting` for a model's rate or usage limit to reset, read from the database on each scrape. */
  RoundWaiting: 'round_waiting',
  /** Gauge: Rounds in `awaiting_review` (the review gate), read from the database on each scrape. */
  RoundAwaitingReview: 'round_awaiting_review',
} as const;

/** Every orchestrator metric family (Node defaults aside). */
export const orchestratorMetricNames: readonly string[] = Object.values(MetricName);
