import { Injectable } from '@nestjs/common';
import { isIdleTimeout, reportUsageIncrements, type Report, type RoundState } from '@sc/schemas';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter, Histogram } from 'prom-client';
import type { RoundEntity } from '../rounds/round.entity';
import { MetricName } from './metric-names';

/**
 * The orchestrator's Round figures. `RoundsService` calls these only after the transaction that stored the
 * change committed, so a rolled-back change or a duplicate Report (refused by its unique index) counts nothing.
 */
@Injectable()
export class RoundMetrics {
  constructor(
    @InjectMetric(MetricName.RoundTotal) private readonly rounds: Counter<'status' | 'plugin'>,
    @InjectMetric(MetricName.TokenUsageTotal) private readonly tokens: Counter<'model' | 'agent' | 'kind'>,
    @InjectMetric(MetricName.CostUsdTotal) private readonly cost: Counter<'model' | 'agent'>,
    @InjectMetric(MetricName.RoundIdleTimeoutTotal) private readonly idle: Counter<'plugin'>,
    @InjectMetric(MetricName.RoundDurationSeconds) private readonly duration: Histogram<'plugin' | 'status'>,
  ) {}

  /**
   * An attempt of `round` reached the terminal `state`. Its duration is observed only when it had started:
   * a Round cancelled while queued never ran.
   */
  roundEnded(round: Pick<RoundEntity, 'plugin' | 'startedAt' | 'finishedAt'>, state: RoundState, at: string): void {
    this.rounds.inc({ status: state, plugin: round.plugin });
    if (round.startedAt === null) return;
    const seconds = (Date.parse(round.finishedAt ?? at) - Date.parse(round.startedAt)) / 1000;
    if (Number.isFinite(seconds) && seconds >= 0)
      this.duration.observe({ plugin: round.plugin, status: state }, seconds);
  }

  /** A Report was stored: counts its agents' tokens and what they cost, and an idle timeout. */
  reportStored(report: Report, plugin: string): void {
    if (isIdleTimeout(report)) this.idle.inc({ plugin });
    const { tokens, costs } = reportUsageIncrements(report);
    for (const { labels, value } of tokens) this.tokens.inc(labels, value);
    for (const { labels, value } of costs) this.cost.inc(labels, value);
  }
}
