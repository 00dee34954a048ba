import { Module } from '@nestjs/common';
import { RoundsModule } from '../rounds/rounds.module';
import { WorkOrdersModule } from '../workorders/workorders.module';
import { ReviewsController } from './reviews.controller';
import { ReviewsService } from './reviews.service';
import { ReviewTimeouts } from './review-timeouts';

/** The review gate: a Round's diff, approve and reject, and the timeout that rejects. */
@Module({
  imports: [RoundsModule, WorkOrdersModule],
  controllers: [ReviewsController],
  providers: [ReviewsService, ReviewTimeouts],
})
export class ReviewsModule {}
