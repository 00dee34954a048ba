import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * One label of a Round, written with the Round (labels never change). `GET /rounds?label=` pages through
 * these rows by (label, created_at, round_id), an index range, where `rounds.labels` is JSON text no index serves.
 */
@Entity({ name: 'round_labels' })
export class RoundLabelEntity {
  @PrimaryColumn({ name: 'round_id', type: 'varchar', length: 64 })
  roundId!: string;

  @PrimaryColumn({ type: 'varchar', length: 64 })
  label!: string;

  /** The Round's `created_at`, so a label's rows are ordered like its Rounds without reading them. */
  @Column({ name: 'created_at', type: 'varchar', length: 32 })
  createdAt!: string;
}
