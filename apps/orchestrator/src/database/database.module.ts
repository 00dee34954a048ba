import { Global, Logger, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ORCHESTRATOR_CONFIG, type OrchestratorConfig } from '../config/orchestrator.config';
import { DataSource } from 'typeorm';
import { dataSourceOptions, directSqlEntities, ensureDatabaseDir } from './data-source';
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
        return dataSourceOptions(config.database);
      },
      dataSourceFactory: async (options) => {
        const logger = new Logger('Database');
        const dataSource = await new DataSource(options!).initialize();
        assertPlainColumns(dataSource, directSqlEntities);
        const applied = await dataSource.runMigrations({ transaction: 'each' });
        logger.log({ database: dataSource.options.type, applied: applied.map((migration) => migration.name) }, 'migrations done');
        return dataSource;
      },
    }),
  ],
  providers: [UnitOfWork],
  exports: [UnitOfWork],
})
export class DatabaseModule {}
