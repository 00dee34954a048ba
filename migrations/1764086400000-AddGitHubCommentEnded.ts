import { TableColumn, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Whether the bot's comment of a Round already says how it ended: a Round that ended while the orchestrator
 * was down gets its comment edited at the next start.
 */
export class AddGitHubCommentEnded1764086400000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn(
      'github_round_links',
      new TableColumn({ name: 'ended_state', type: 'varchar', length: '16', isNullable: true }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('github_round_links', 'ended_state');
  }
}
