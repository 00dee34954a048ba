import { Module } from '@nestjs/common';
import { RoundsModule } from '../rounds/rounds.module';
import { WorkOrdersModule } from '../workorders/workorders.module';
import { GitHubClient } from './github.client';
import { GitHubRepository } from './github.repository';
import { GitHubWebhooksController } from './github-webhooks.controller';
import { GitHubWebhooksService } from './github-webhooks.service';

/** GitHub: the webhook that starts work from issues and comments, and the bot's comments. */
@Module({
  imports: [WorkOrdersModule, RoundsModule],
  controllers: [GitHubWebhooksController],
  providers: [GitHubRepository, GitHubClient, GitHubWebhooksService],
})
export class GitHubModule {}
