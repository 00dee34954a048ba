import { Injectable } from '@nestjs/common';
import type { Gauge } from 'prom-client';
import { DataSource } from 'typeorm';
import { RoundEntity } from '../rounds/round.entity';

/**
 * Fills `round_waiting` when Prometheus scrapes: the Rounds paused for a model's rate or usage limit, read
 * from the database (so a restarted orchestrator shows them too).
 */
@Injectable()
export class RoundWaitingCollector {
  constructor(private readonly dataSource: DataSource) {}

  async collect(gauge: Gauge): Promise<void> {
    gauge.set(await this.dataSource.manager.count(RoundEntity, { where: { state: 'waiting' } }));
  }
}
