import { Controller, Headers, HttpStatus, Param, Query, Sse, type MessageEvent } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import { map, type Observable } from 'rxjs';
import { IdParamPipe } from '../http/id-param.pipe';
import { ApiErrorResponses } from '../http/api-error-responses.decorator';
import { queryValidationPipe } from '../http/query-validation.pipe';
import { ValidationException } from '../http/validation.exception';
import { RoundEventsQueryDto } from './round-events.query.dto';
import { RoundEventsService } from './round-events.service';

@ApiTags('rounds')
@ApiBearerAuth()
@Controller('rounds')
export class RoundEventsController {
  constructor(private readonly roundEvents: RoundEventsService) {}

  /** Server-Sent Events: the Round's stored history (transitions, phases, log lines) in order, then live; ends when the Round does. */
  @Sse(':id/events')
  @ApiProduces('text/event-stream')
  @ApiHeader({
    name: 'Last-Event-ID',
    required: false,
    description: 'Resume after this event id (a reconnecting EventSource sends it)',
  })
  @ApiOkResponse({
    description:
      'Server-Sent Events named `transition`, `phase` and `log`, each with a RoundEvent as JSON data and its id',
  })
  @ApiErrorResponses(HttpStatus.BAD_REQUEST, HttpStatus.NOT_FOUND)
  async events(
    @Param('id', IdParamPipe) id: string,
    @Query(queryValidationPipe) query: RoundEventsQueryDto,
    @Headers('last-event-id') lastEventId?: string,
  ): Promise<Observable<MessageEvent>> {
    if (lastEventId !== undefined && !/^\d{1,15}$/.test(lastEventId)) {
      throw new ValidationException('header', [
        { path: '/last-event-id', message: 'must be an event id this stream sent' },
      ]);
    }
    const events = await this.roundEvents.follow(id, {
      afterId: Number(lastEventId ?? 0),
      isFollowing: query.follow !== 'false',
    });
    // An entry without id (cut lines) keeps the last id, so a reconnect resumes after the entry before it.
    return events.pipe(
      map(({ id: eventId, event }) => ({
        type: event.type,
        data: event,
        ...(eventId === undefined ? {} : { id: String(eventId) }),
      })),
    );
  }
}
