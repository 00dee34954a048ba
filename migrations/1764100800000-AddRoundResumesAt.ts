import { TableColumn, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * When a `waiting` Round resumes (its model's rate or usage limit resets), shown by `GET /rounds` and
 * `sc rounds list`. A Round already waiting when this runs shows none until its next wait.
 */
export class AddRoundResumesAt1764100800000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn(
      'rounds',
      new TableColumn({ name: 'resumes_at', type: 'varchar', length: '32', isNullable: true }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('rounds', 'resumes_at');
  }
}
