import { Module } from '@nestjs/common';
import { ReportsModule } from '../reports/reports.module';
import { RoundsModule } from '../rounds/rounds.module';
import { WorkOrdersModule } from '../workorders/workorders.module';
import { CheckRunsService } from './check-runs.service';
import { GitHubClient } from './github.client';
import { GitHubRepository } from './github.repository';
import { GitHubWebhooksController } from './github-webhooks.controller';
import { GitHubWebhooksService } from './github-webhooks.service';
import { PullRequestsController } from './pull-requests.controller';
import { PullRequestFixesService } from './pull-request-fixes.service';
import { PullRequestsService } from './pull-requests.service';

/** GitHub: the webhook that starts work from issues and comments, the bot's comments, pull requests from Rounds and the fixes their reviews and checks ask for. */
@Module({
  imports: [WorkOrdersModule, RoundsModule, ReportsModule],
  controllers: [GitHubWebhooksController, PullRequestsController],
  providers: [
    GitHubRepository,
    GitHubClient,
    GitHubWebhooksService,
    PullRequestsService,
    PullRequestFixesService,
    CheckRunsService,
  ],
})
export class GitHubModule {}
