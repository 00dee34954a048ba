import { Global, Logger, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { jsonLineLog } from '@sc/infrastructure';
import { setTimeout as sleep } from 'node:timers/promises';
import { ORCHESTRATOR_CONFIG, type OrchestratorConfig } from '../config/orchestrator.config';
import { DataSource } from 'typeorm';
import { dataSourceOptions, directSqlEntities, ensureDatabaseDir, migrate } from './data-source';
import { assertPlainColumns } from './direct-sql';
import { UnitOfWork } from './unit-of-work';

/**
 * The database connection, migrated before anything else starts: the outbox relay and the queue consumers
 * begin work as soon as the app boots, and must find the tables there. One {@link UnitOfWork} for the app,
 * because on SQLite it serializes transactions.
 */
@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [ORCHESTRATOR_CONFIG],
      useFactory: (config: OrchestratorConfig) => {
        ensureDatabaseDir(config.database);
        // The connection is retried below, where each failure is logged as it happens.
        return { ...dataSourceOptions(config.database), retryAttempts: 0 };
      },
      dataSourceFactory: async (options) => {
        const logger = new Logger('Database');
        const dataSource = await connect(new DataSource(options!));
        assertPlainColumns(dataSource, directSqlEntities);
        const applied = await migrate(dataSource);
        logger.log({ database: dataSource.options.type, applied }, 'migrations done');
        return dataSource;
      },
    }),
  ],
  providers: [UnitOfWork],
  exports: [UnitOfWork],
})
export class DatabaseModule {}

// A database that is starting (compose, a restart) gets about a minute: 1 s, 2 s, 4 s, then every 8 s.
const connectAttempts = 10;
const log = jsonLineLog('orchestrator');

/**
 * Connects, retrying an unreachable database with one JSON-lines warning per attempt, written at once: Nest
 * buffers its own log lines until the app exists, so a retry it logged would show only after it gave up.
 */
async function connect(dataSource: DataSource): Promise<DataSource> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await dataSource.initialize();
    } catch (error) {
      if (attempt >= connectAttempts) throw error;
      const retryInMs = Math.min(1_000 * 2 ** (attempt - 1), 8_000);
      log(
        'warn',
        { component: 'database', err: (error as Error).message, attempt, retry_in_ms: retryInMs },
        'database unreachable (retrying)',
      );
      await sleep(retryInMs);
    }
  }
}
