import { Module } from '@nestjs/common';
import { RoundsModule } from '../rounds/rounds.module';
import { ReportsConsumer } from './reports.consumer';
import { ReportsController } from './reports.controller';

/** Reports in and out: the `reports` queue consumer and `GET /reports/:id`; storage is `RoundsService`'s. */
@Module({
  imports: [RoundsModule],
  controllers: [ReportsController],
  providers: [ReportsConsumer],
})
export class ReportsModule {}
