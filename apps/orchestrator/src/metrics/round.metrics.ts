import { Injectable } from '@nestjs/common';
import type { Report, RoundState } from '@sc/schemas';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter, Histogram } from 'prom-client';
import type { RoundEntity } from '../rounds/round.entity';
import { MetricName } from './metric-names';

/**
 * Upper bounds of `round_duration_seconds`: an echo Round ends in tens of milliseconds, an agent's coding
 * phase may take its whole 30 min default timeout, and a Round with retries a few hours. A superset of the
 * worker's bounds, so a dashboard may aggregate both by `le`.
 */
export const roundDurationBuckets: readonly number[] = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400];

/**
 * The orchestrator's Round figures. `RoundsService` calls these only after the transaction that stored the
 * change committed, so a rolled-back change or a duplicate Report (refused by its unique index) counts nothing.
 */
@Injectable()
export class RoundMetrics {
  constructor(
    @InjectMetric(MetricName.RoundTotal) private readonly rounds: Counter<'status' | 'plugin'>,
    @InjectMetric(MetricName.TokenUsageTotal) private readonly tokens: Counter<'model' | 'agent' | 'kind'>,
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
    if (Number.isFinite(seconds) && seconds >= 0) this.duration.observe({ plugin: round.plugin, status: state }, seconds);
  }

  /** A Report was stored: counts its agents' tokens. */
  reportStored(report: Report): void {
    for (const usage of report.token_usage) {
      this.tokens.inc({ model: usage.model, agent: usage.agent, kind: 'input' }, usage.input);
      this.tokens.inc({ model: usage.model, agent: usage.agent, kind: 'output' }, usage.output);
    }
  }
}
