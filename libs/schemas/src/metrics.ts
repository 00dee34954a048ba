import type { Report } from './report.types';

/**
 * Metric families the orchestrator and the workers both expose, under the same names and labels, so one
 * dashboard query or alert reads them all (deploy/grafana, deploy/prometheus).
 */
export const RoundMetricName = {
  /** Counter `{status, plugin}`: Round attempts that reached a terminal state, by that Round state. */
  RoundTotal: 'round_total',
  /** Counter `{model, agent, kind}`: tokens of each Report, `kind` is one of {@link TokenKinds}. */
  TokenUsageTotal: 'token_usage_total',
  /** Counter `{model, agent}`: the priced cost in USD of each Report's tokens. */
  CostUsdTotal: 'cost_usd_total',
  /** Histogram `{plugin, status}`: seconds from an attempt's start to its end. */
  RoundDurationSeconds: 'round_duration_seconds',
} as const;

/**
 * Upper bounds of `round_duration_seconds`: an echo Round ends in tens of milliseconds, an agent's coding
 * phase may take its whole 30 min default timeout, and a Round a few hours. Shared, so histograms of every
 * process can be aggregated by `le`.
 */
export const roundDurationBuckets: readonly number[] = [
  0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400,
];

/** The `kind` label values of `token_usage_total`, one per count of a Report's `token_usage` entry. */
export const TokenKinds = ['input', 'output', 'cache_read', 'cache_write'] as const;

/** One increment of a counter. */
export interface MetricIncrement<L extends string> {
  labels: Record<L, string>;
  value: number;
}

/** What one Report adds to `token_usage_total` and `cost_usd_total` (zeros and unknown costs left out). */
export function reportUsageIncrements(report: Pick<Report, 'token_usage'>): {
  tokens: MetricIncrement<'model' | 'agent' | 'kind'>[];
  costs: MetricIncrement<'model' | 'agent'>[];
} {
  const tokens: MetricIncrement<'model' | 'agent' | 'kind'>[] = [];
  const costs: MetricIncrement<'model' | 'agent'>[] = [];
  for (const usage of report.token_usage) {
    const { model, agent } = usage;
    for (const kind of TokenKinds) {
      const value = usage[kind] ?? 0;
      if (value > 0) tokens.push({ labels: { model, agent, kind }, value });
    }
    if (usage.cost_usd) costs.push({ labels: { model, agent }, value: usage.cost_usd });
  }
  return { tokens, costs };
}
