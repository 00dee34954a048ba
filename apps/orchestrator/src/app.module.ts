import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { ORCHESTRATOR_CONFIG, type OrchestratorConfig } from './config/orchestrator.config';
import { DatabaseModule } from './database/database.module';
import { GitHubModule } from './github/github.module';
import { ReviewsModule } from './reviews/reviews.module';
import { NotificationsModule } from './notifications/notifications.module';
import { HealthModule } from './health/health.module';
import { ApiTokenGuard } from './http/api-token.guard';
import { HttpErrorFilter } from './http/http-error.filter';
import { LoggerModule } from './logging/logger.module';
import { MetricsModule } from './metrics/metrics.module';
import { ReportsModule } from './reports/reports.module';
import { RoundsModule } from './rounds/rounds.module';
import { WorkOrdersModule } from './workorders/workorders.module';

/** The orchestrator, built from a config that was checked before Nest started. */
@Module({})
export class AppModule {
  static forRoot(config: OrchestratorConfig): DynamicModule {
    return {
      module: AppModule,
      global: true,
      imports: [
        LoggerModule.forRoot(config),
        DatabaseModule,
        WorkOrdersModule,
        RoundsModule,
        ReportsModule,
        HealthModule,
        MetricsModule,
        GitHubModule,
        ReviewsModule,
        NotificationsModule,
      ],
      providers: [
        { provide: ORCHESTRATOR_CONFIG, useValue: config },
        { provide: APP_GUARD, useClass: ApiTokenGuard },
        { provide: APP_FILTER, useClass: HttpErrorFilter },
      ],
      exports: [ORCHESTRATOR_CONFIG],
    };
  }
}
