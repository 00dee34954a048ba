import { Injectable } from '@nestjs/common';
import type { Report, RoundState } from '@sc/schemas';
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
