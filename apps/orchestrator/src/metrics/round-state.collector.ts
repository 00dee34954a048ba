import { Injectable } from '@nestjs/common';
import type { RoundState } from '@sc/schemas';
import type { Gauge } from 'prom-client';
import { DataSource } from 'typeorm';
import { ReplicaLeases } from '../cluster/replica-leases.service';
import { RoundEntity } from '../rounds/round.entity';

/**
 * Fills a gauge of the Rounds in one state when Prometheus scrapes (`round_waiting`, `round_awaiting_review`),
 * read from the database, so a restarted orchestrator shows them too. The count is the same from every replica,
 * so only the holder of the `gauges` lease exports it; without Redis, every replica does (rather than none).
 */
@Injectable()
export class RoundStateCollector {
  constructor(
    private readonly dataSource: DataSource,
    private readonly leases: ReplicaLeases,
  ) {}

  async collect(gauge: Gauge, state: RoundState): Promise<void> {
    gauge.reset();
    if (!(await this.leases.isHeld('gauges').catch(() => true))) return;
    gauge.set(await this.dataSource.manager.count(RoundEntity, { where: { state } }));
  }
}
