import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { QueueName } from '@sc/schemas';
import { ReportsModule } from '../reports/reports.module';
import { RoundsModule } from '../rounds/rounds.module';
import { WorkOrdersModule } from '../workorders/workorders.module';
import { NotificationsConsumer } from './notifications.consumer';
import { NotificationsProducer } from './notifications.producer';

/** Outgoing webhooks: a POST per Round end, wait and review to `SC_NOTIFY_URLS` and the work-order's `notify`. */
@Module({
  imports: [BullModule.registerQueue({ name: QueueName.Notifications }), RoundsModule, ReportsModule, WorkOrdersModule],
  providers: [NotificationsProducer, NotificationsConsumer],
})
export class NotificationsModule {}
