import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * The history of each Round that `GET /rounds/:id/events` replays: its transitions, phase events and log lines
 * in the order they happened, numbered by `id` (the SSE event id). Log lines are numbered per Round (`line`),
 * so the ones cut from the middle of a long history leave a visible gap. Transitions stored before this table
 * existed are copied in, in their order.
 */
export class CreateRoundEvents1764097200000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'round_events',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'round_id', type: 'varchar', length: '64' },
          { name: 'attempt', type: 'integer' },
          { name: 'type', type: 'varchar', length: '16' },
          { name: 'line', type: 'integer', isNullable: true },
          { name: 'data', type: 'text' },
        ],
        indices: [
          new TableIndex({ name: 'round_events_round_id_id', columnNames: ['round_id', 'id'] }),
          new TableIndex({ name: 'round_events_round_id_line', columnNames: ['round_id', 'line'] }),
        ],
      }),
    );
    await queryRunner.query(backfill(queryRunner.connection.options.type));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('round_events');
  }
}

/** One `transition` row per stored transition, its data the TransitionEvent the stream sends, built in SQL. */
function backfill(driver: string): string {
  const object =
    driver === 'postgres'
      ? `json_build_object('type', 'transition', 'round_id', round_id, 'attempt', attempt, 'from', from_state, 'to', to_state, 'reason', reason, 'at', at)::text`
      : `json_object('type', 'transition', 'round_id', round_id, 'attempt', attempt, 'from', from_state, 'to', to_state, 'reason', reason, 'at', at)`;
  return `INSERT INTO round_events (round_id, attempt, type, data) SELECT round_id, attempt, 'transition', ${object} FROM round_transitions ORDER BY id`;
}
