import type { RoundState } from '@sc/schemas';
import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** One state change of a Round, kept forever: the audit trail `GET /rounds/:id` shows. */
@Entity({ name: 'round_transitions' })
export class RoundTransitionEntity {
  /** Increasing, so transitions of one Round sort in the order they happened even within one millisecond. */
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number;

  @Column({ name: 'round_id', type: 'varchar', length: 64 })
  roundId!: string;

  /** Null for the first transition (`submitted`). */
  @Column({ name: 'from_state', type: 'varchar', length: 16, nullable: true })
  from!: RoundState | null;

  @Column({ name: 'to_state', type: 'varchar', length: 16 })
  to!: RoundState;

  @Column({ type: 'text' })
  reason!: string;

  @Column({ type: 'integer' })
  attempt!: number;

  @Column({ type: 'varchar', length: 32 })
  at!: string;
}
