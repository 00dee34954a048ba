import { Table, TableIndex, type MigrationInterface, type QueryRunner, type TableColumnOptions } from 'typeorm';

// Only types both SQLite and Postgres understand the same way: timestamps are fixed-width ISO-8601 UTC
// text, JSON documents are text.
const timestamp = (name: string, isNullable = false): TableColumnOptions => ({
  name,
  type: 'varchar',
  length: '32',
  isNullable,
});
const increment: TableColumnOptions = {
  name: 'id',
  type: 'integer',
  isPrimary: true,
  isGenerated: true,
  generationStrategy: 'increment',
};

/** Work-orders, Rounds with their transitions, Reports, and the outbox of jobs to enqueue. */
export class CreateWorkOrdersAndRounds1764061200000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'workorders',
        columns: [
          { name: 'id', type: 'varchar', length: '128', isPrimary: true },
          { name: 'document', type: 'text' },
          { name: 'idempotency_key', type: 'varchar', length: '200', isNullable: true },
          timestamp('created_at'),
        ],
        indices: [
          new TableIndex({ name: 'workorders_idempotency_key', columnNames: ['idempotency_key'], isUnique: true }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'rounds',
        columns: [
          { name: 'id', type: 'varchar', length: '64', isPrimary: true },
          { name: 'workorder_id', type: 'varchar', length: '128' },
          { name: 'title', type: 'varchar', length: '200' },
          { name: 'plugin', type: 'varchar', length: '64' },
          { name: 'state', type: 'varchar', length: '16' },
          { name: 'attempt', type: 'integer' },
          { name: 'priority', type: 'integer' },
          { name: 'labels', type: 'text' },
          { name: 'branch', type: 'varchar', length: '255' },
          { name: 'worker', type: 'varchar', length: '255', isNullable: true },
          { name: 'report_status', type: 'varchar', length: '16', isNullable: true },
          timestamp('created_at'),
          timestamp('updated_at'),
          timestamp('started_at', true),
          timestamp('finished_at', true),
        ],
        // One index per filter of GET /rounds, each ending in the keyset (created_at, id) so that a filtered
        // page is an index range scan too.
        indices: [
          new TableIndex({ name: 'rounds_created_at_id', columnNames: ['created_at', 'id'] }),
          new TableIndex({ name: 'rounds_state_created_at_id', columnNames: ['state', 'created_at', 'id'] }),
          new TableIndex({ name: 'rounds_plugin_created_at_id', columnNames: ['plugin', 'created_at', 'id'] }),
          new TableIndex({ name: 'rounds_branch_created_at_id', columnNames: ['branch', 'created_at', 'id'] }),
          new TableIndex({ name: 'rounds_workorder_id', columnNames: ['workorder_id'] }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'round_transitions',
        columns: [
          increment,
          { name: 'round_id', type: 'varchar', length: '64' },
          { name: 'from_state', type: 'varchar', length: '16', isNullable: true },
          { name: 'to_state', type: 'varchar', length: '16' },
          { name: 'reason', type: 'text' },
          { name: 'attempt', type: 'integer' },
          timestamp('at'),
        ],
        indices: [new TableIndex({ name: 'round_transitions_round_id', columnNames: ['round_id', 'id'] })],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'reports',
        columns: [
          { name: 'id', type: 'varchar', length: '64', isPrimary: true },
          { name: 'round_id', type: 'varchar', length: '64' },
          { name: 'attempt', type: 'integer' },
          { name: 'status', type: 'varchar', length: '16' },
          { name: 'document', type: 'text' },
          timestamp('created_at'),
        ],
        // A repeated `finished` message (redelivery, a worker lost after publishing) must not add a Report.
        indices: [
          new TableIndex({ name: 'reports_round_id_attempt', columnNames: ['round_id', 'attempt'], isUnique: true }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'outbox',
        columns: [
          increment,
          { name: 'queue', type: 'varchar', length: '64' },
          { name: 'job_id', type: 'varchar', length: '200' },
          { name: 'payload', type: 'text' },
          { name: 'priority', type: 'integer' },
          timestamp('created_at'),
          timestamp('sent_at', true),
        ],
        indices: [
          new TableIndex({ name: 'outbox_job_id', columnNames: ['job_id'], isUnique: true }),
          new TableIndex({ name: 'outbox_sent_at_id', columnNames: ['sent_at', 'id'] }),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['outbox', 'reports', 'round_transitions', 'rounds', 'workorders'])
      await queryRunner.dropTable(table);
  }
}
