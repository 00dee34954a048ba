import { Module } from '@nestjs/common';
import { QueueModule } from '../queue/queue.module';
import { ReportsModule } from '../reports/reports.module';
import { RoundsModule } from '../rounds/rounds.module';
import { WorkOrdersModule } from '../workorders/workorders.module';
import { NotificationsConsumer } from './notifications.consumer';
import { NotificationsProducer } from './notifications.producer';

/** Outgoing webhooks: a POST per Round end, wait and review to `SC_NOTIFY_URLS` and the work-order's `notify`. */
@Module({
  imports: [QueueModule, RoundsModule, ReportsModule, WorkOrdersModule],
  providers: [NotificationsProducer, NotificationsConsumer],
})
export class NotificationsModule {}
