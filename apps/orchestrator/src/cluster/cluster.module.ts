import { Module } from '@nestjs/common';
import { ReplicaLeases } from './replica-leases.service';

/** What lets several orchestrator replicas share one Postgres and one Redis: leases on what runs on one of them. */
@Module({ providers: [ReplicaLeases], exports: [ReplicaLeases] })
export class ClusterModule {}
