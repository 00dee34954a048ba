import type { ReportStatus } from '@sc/schemas';
import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The Report of one attempt of a Round; unique on (round, attempt), so a repeated message stores nothing. */
@Entity({ name: 'reports' })
export class ReportEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  id!: string;

  @Column({ name: 'round_id', type: 'varchar', length: 64 })
  roundId!: string;

  @Column({ type: 'integer' })
  attempt!: number;

  @Column({ type: 'varchar', length: 16 })
  status!: ReportStatus;

  /** The Report as JSON text, as the worker sent it. */
  @Column({ type: 'text' })
  document!: string;

  @Column({ name: 'created_at', type: 'varchar', length: 32 })
  createdAt!: string;
}
