import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A commit made for a Round (`POST /rounds/:id/commits`, sent by `sc commit`); one row per Round and sha. */
@Entity({ name: 'round_commits' })
export class RoundCommitEntity {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number;

  @Column({ name: 'round_id', type: 'varchar', length: 64 })
  roundId!: string;

  @Column({ type: 'varchar', length: 64 })
  sha!: string;

  @Column({ type: 'varchar', length: 255, nullable: true })
  branch!: string | null;

  @Column({ type: 'text', nullable: true })
  message!: string | null;

  @Column({ name: 'created_at', type: 'varchar', length: 32 })
  createdAt!: string;
}
