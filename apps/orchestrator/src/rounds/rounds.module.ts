import { Module } from '@nestjs/common';
import { ClusterModule } from '../cluster/cluster.module';
import { MetricsModule } from '../metrics/metrics.module';
import { QueueModule } from '../queue/queue.module';
import { RoundEventsConsumer } from './round-events.consumer';
import { RoundEventsController } from './round-events.controller';
import { RoundEventsRepository } from './round-events.repository';
import { RoundEventsService } from './round-events.service';
import { RoundGrowthChannel } from './round-growth.channel';
import { RoundLinksService } from './round-links.service';
import { RoundMessagesService } from './round-messages.service';
import { RoundTransitions } from './round-transitions';
import { RoundViewsService } from './round-views.service';
import { RoundReaper } from './round-reaper';
import { RoundsController } from './rounds.controller';
import { RoundsRepository } from './rounds.repository';
import { RoundsService } from './rounds.service';

/**
 * Rounds and everything that changes them. Reports are stored here too, since storing one and moving the
 * Round are one transaction; the reports feature is its HTTP and queue edge.
 */
@Module({
  imports: [QueueModule, MetricsModule, ClusterModule],
  controllers: [RoundsController, RoundEventsController],
  providers: [
    RoundsRepository,
    RoundEventsRepository,
    RoundTransitions,
    RoundsService,
    RoundMessagesService,
    RoundViewsService,
    RoundLinksService,
    RoundEventsService,
    RoundGrowthChannel,
    RoundEventsConsumer,
    RoundReaper,
  ],
  exports: [RoundsService, RoundMessagesService, RoundViewsService, RoundLinksService, RoundEventsService],
})
export class RoundsModule {}
