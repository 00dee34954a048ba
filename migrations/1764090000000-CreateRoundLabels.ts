import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * One row per label of a Round, for `GET /rounds?label=`: a LIKE on the JSON text of `rounds.labels` can use
 * no index, so Postgres scanned and sorted the whole table (bench/README.md). `created_at` is the Round's,
 * copied so that a label's page is one range of (label, created_at, round_id), newest first.
 */
export class CreateRoundLabels1764090000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'round_labels',
        columns: [
          { name: 'round_id', type: 'varchar', length: '64', isPrimary: true },
          { name: 'label', type: 'varchar', length: '64', isPrimary: true },
          { name: 'created_at', type: 'varchar', length: '32' },
        ],
        indices: [
          new TableIndex({
            name: 'round_labels_label_created_at_round_id',
            columnNames: ['label', 'created_at', 'round_id'],
          }),
        ],
      }),
    );
    await queryRunner.query(backfill(queryRunner.connection.options.type));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('round_labels');
  }
}

/** Copies the labels of the Rounds already stored, read from their JSON array with each database's own function. */
function backfill(driver: string): string {
  const labels =
    driver === 'postgres'
      ? 'json_array_elements_text(rounds.labels::json) AS element(value)'
      : 'json_each(rounds.labels) AS element';
  return `INSERT INTO round_labels (round_id, label, created_at) SELECT DISTINCT rounds.id, element.value, rounds.created_at FROM rounds CROSS JOIN ${labels}`;
}
