import { Injectable } from '@nestjs/common';
import type { RoundState } from '@sc/schemas';
import type { Gauge } from 'prom-client';
import { DataSource } from 'typeorm';
import { RoundEntity } from '../rounds/round.entity';

/**
 * Fills a gauge of the Rounds in one state when Prometheus scrapes (`round_waiting`, `round_awaiting_review`),
 * read from the database, so a restarted orchestrator shows them too.
 */
@Injectable()
export class RoundStateCollector {
  constructor(private readonly dataSource: DataSource) {}

  async collect(gauge: Gauge, state: RoundState): Promise<void> {
    gauge.set(await this.dataSource.manager.count(RoundEntity, { where: { state } }));
  }
}
