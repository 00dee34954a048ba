import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { QueueModule } from '../queue/queue.module';
import { RoundsModule } from '../rounds/rounds.module';
import { pluginRegistryProvider } from './plugin-registry.provider';
import { WorkOrderEntity } from './workorder.entity';
import { WorkOrdersController } from './workorders.controller';
import { WorkOrdersRepository } from './workorders.repository';
import { WorkOrdersService } from './workorders.service';

@Module({
  imports: [TypeOrmModule.forFeature([WorkOrderEntity]), RoundsModule, QueueModule],
  controllers: [WorkOrdersController],
  providers: [WorkOrdersRepository, WorkOrdersService, pluginRegistryProvider],
  // The GitHub webhook submits work-orders the same way POST /workorders does, checking plugin names alike.
  exports: [WorkOrdersService, pluginRegistryProvider],
})
export class WorkOrdersModule {}
