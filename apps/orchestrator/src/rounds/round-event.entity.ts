import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** What a history row holds; `end` marks that a worker sent every event of an attempt and is never streamed. */
export type RoundEventType = 'transition' | 'phase' | 'log' | 'end';

/** One entry of a Round's history (see the CreateRoundEvents migration): what `GET /rounds/:id/events` replays. */
@Entity({ name: 'round_events' })
export class RoundEventEntity {
  /** Increasing in the order the entries happened: the SSE event id, and what `Last-Event-ID` resumes after. */
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number;

  @Column({ name: 'round_id', type: 'varchar', length: 64 })
  roundId!: string;

  @Column({ type: 'integer' })
  attempt!: number;

  @Column({ type: 'varchar', length: 16 })
  type!: RoundEventType;

  /** A log line's number within its Round (1, 2, …); null for other entries. */
  @Column({ type: 'integer', nullable: true })
  line!: number | null;

  /** The event as JSON text, as streamed. */
  @Column({ type: 'text' })
  data!: string;
}
