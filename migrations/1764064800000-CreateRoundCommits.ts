import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

/** Commits recorded for a Round (`POST /rounds/:id/commits`), merged into its Report's `commits[]`. */
export class CreateRoundCommits1764064800000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'round_commits',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'round_id', type: 'varchar', length: '64' },
          { name: 'sha', type: 'varchar', length: '64' },
          { name: 'branch', type: 'varchar', length: '255', isNullable: true },
          { name: 'message', type: 'text', isNullable: true },
          { name: 'created_at', type: 'varchar', length: '32' },
        ],
        // Recording the same commit twice (a hook run again, a retried request) keeps one row.
        indices: [
          new TableIndex({ name: 'round_commits_round_id_sha', columnNames: ['round_id', 'sha'], isUnique: true }),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('round_commits');
  }
}
