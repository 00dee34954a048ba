/**
 * Metric families the orchestrator and the workers both expose, under the same names and labels, so one
 * dashboard query or alert reads them all (deploy/grafana, deploy/prometheus).
 */
export const RoundMetricName = {
  /** Counter `{status, plugin}`: Round attempts that reached a terminal state, by that Round state. */
  RoundTotal: 'round_total',
  /** Counter `{model, agent, kind}`: tokens of each Report, `kind` is `input` or `output`. */
  TokenUsageTotal: 'token_usage_total',
  /** Histogram `{plugin, status}`: seconds from an attempt's start to its end. */
  RoundDurationSeconds: 'round_duration_seconds',
} as const;

/**
 * Upper bounds of `round_duration_seconds`: an echo Round ends in tens of milliseconds, an agent's coding
 * phase may take its whole 30 min default timeout, and a Round a few hours. Shared, so histograms of every
 * process can be aggregated by `le`.
 */
export const roundDurationBuckets: readonly number[] = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400];
