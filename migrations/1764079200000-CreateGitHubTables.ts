import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * The GitHub feature's tables: webhook deliveries already handled (GitHub redelivers on a timeout or by hand,
 * and a delivery must start at most one Round), and which issue or pull request each Round answers to.
 */
export class CreateGitHubTables1764079200000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'github_deliveries',
        columns: [
          { name: 'delivery_id', type: 'varchar', length: '64', isPrimary: true },
          { name: 'event', type: 'varchar', length: '64' },
          { name: 'received_at', type: 'varchar', length: '32' },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'github_round_links',
        columns: [
          { name: 'round_id', type: 'varchar', length: '64', isPrimary: true },
          { name: 'repository', type: 'varchar', length: '255' },
          { name: 'issue_number', type: 'integer' },
          { name: 'is_pull_request', type: 'boolean' },
          // GitHub ids outgrew 32-bit integers; kept as text.
          { name: 'comment_id', type: 'varchar', length: '32', isNullable: true },
          { name: 'created_at', type: 'varchar', length: '32' },
        ],
        // `/sc cancel` looks up the newest Round of an issue or pull request.
        indices: [
          new TableIndex({ name: 'github_round_links_repository_issue', columnNames: ['repository', 'issue_number'] }),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('github_round_links');
    await queryRunner.dropTable('github_deliveries');
  }
}
