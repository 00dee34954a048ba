import { Controller, HttpStatus, Param, Sse, type MessageEvent } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import { map, type Observable } from 'rxjs';
import { IdParamPipe } from '../http/id-param.pipe';
import { ApiErrorResponses } from '../http/api-error-responses.decorator';
import { RoundEventsService } from './round-events.service';

@ApiTags('rounds')
@ApiBearerAuth()
@Controller('rounds')
export class RoundEventsController {
  constructor(private readonly roundEvents: RoundEventsService) {}

  /** Server-Sent Events: stored transitions, then live transitions, phases and log lines; ends when the Round does. */
  @Sse(':id/events')
  @ApiProduces('text/event-stream')
  @ApiOkResponse({ description: 'Server-Sent Events named `transition`, `phase` and `log`, each with a RoundEvent as JSON data' })
  @ApiErrorResponses(HttpStatus.NOT_FOUND)
  async events(@Param('id', IdParamPipe) id: string): Promise<Observable<MessageEvent>> {
    return (await this.roundEvents.follow(id)).pipe(map((event) => ({ type: event.type, data: event })));
  }
}
