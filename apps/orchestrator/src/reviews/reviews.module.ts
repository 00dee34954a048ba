import { Module } from '@nestjs/common';
import { ClusterModule } from '../cluster/cluster.module';
import { RoundsModule } from '../rounds/rounds.module';
import { WorkOrdersModule } from '../workorders/workorders.module';
import { ReviewsController } from './reviews.controller';
import { ReviewsService } from './reviews.service';
import { ReviewTimeouts } from './review-timeouts';

/** The review gate: a Round's diff, approve and reject, and the timeout that rejects. */
@Module({
  imports: [RoundsModule, WorkOrdersModule, ClusterModule],
  controllers: [ReviewsController],
  providers: [ReviewsService, ReviewTimeouts],
})
export class ReviewsModule {}
