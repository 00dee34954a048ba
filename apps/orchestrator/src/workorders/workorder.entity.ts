import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A submitted work-order as stored: the document with its defaults filled in. Timestamps are ISO-8601 UTC
 * strings (fixed width, so they sort as text) to read the same on SQLite and Postgres.
 */
@Entity({ name: 'workorders' })
export class WorkOrderEntity {
  @PrimaryColumn({ type: 'varchar', length: 128 })
  id!: string;

  /** The `StoredWorkOrder` as JSON text. */
  @Column({ type: 'text' })
  document!: string;

  /** The `Idempotency-Key` header of the submit, unique when present. */
  @Column({ name: 'idempotency_key', type: 'varchar', length: 200, nullable: true })
  idempotencyKey!: string | null;

  @Column({ name: 'created_at', type: 'varchar', length: 32 })
  createdAt!: string;
}
