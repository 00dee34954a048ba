import { Module } from '@nestjs/common';
import { RoundsModule } from '../rounds/rounds.module';
import { ReportsConsumer } from './reports.consumer';
import { ReportsController } from './reports.controller';
import { ReportsRepository } from './reports.repository';
import { ReportsService } from './reports.service';

/** Reports in and out: the `reports` queue consumer and `GET /reports/:id`; storing one is `RoundsService`'s. */
@Module({
  imports: [RoundsModule],
  controllers: [ReportsController],
  providers: [ReportsConsumer, ReportsRepository, ReportsService],
  exports: [ReportsService],
})
export class ReportsModule {}
