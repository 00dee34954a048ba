import { TableColumn, type MigrationInterface, type QueryRunner } from 'typeorm';

/** The pull request a Round opened or updated on GitHub, shown by `GET /rounds/:id`. */
export class AddRoundPullRequest1764082800000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumns('rounds', [
      new TableColumn({ name: 'pull_request_number', type: 'integer', isNullable: true }),
      new TableColumn({ name: 'pull_request_url', type: 'varchar', length: '2048', isNullable: true }),
    ]);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumns('rounds', ['pull_request_url', 'pull_request_number']);
  }
}
