import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import {
  validateCommitRef,
  validateRetryRequest,
  type CommitRef,
  type RecordedCommitView,
  type RetryRequest,
  type RoundPage,
  type RoundView,
} from '@sc/schemas';
import { IdParamPipe } from '../http/id-param.pipe';
import { ApiErrorResponses } from '../http/api-error-responses.decorator';
import { queryValidationPipe } from '../http/query-validation.pipe';
import { SchemaBodyPipe } from '../http/schema-body.pipe';
import { ListRoundsQueryDto } from './list-rounds.query.dto';
import { RecordedCommitViewDto, RoundPageDto, RoundViewDto } from './round-view.dto';
import { RoundLinksService } from './round-links.service';
import { RoundViewsService } from './round-views.service';
import { RoundsService } from './rounds.service';

@ApiTags('rounds')
@ApiBearerAuth()
@Controller('rounds')
export class RoundsController {
  constructor(
    private readonly rounds: RoundsService,
    private readonly views: RoundViewsService,
    private readonly links: RoundLinksService,
  ) {}

  @Get()
  @ApiOkResponse({ type: RoundPageDto })
  @ApiErrorResponses(HttpStatus.BAD_REQUEST)
  list(@Query(queryValidationPipe) query: ListRoundsQueryDto): Promise<RoundPage> {
    return this.views.list(query);
  }

  @Get(':id')
  @ApiOkResponse({ type: RoundViewDto })
  @ApiErrorResponses(HttpStatus.NOT_FOUND)
  get(@Param('id', IdParamPipe) id: string): Promise<RoundView> {
    return this.views.get(id);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @ApiOkResponse({ type: RoundViewDto, description: 'Cancelled, or (running) a cancel request sent to its worker' })
  @ApiErrorResponses(HttpStatus.NOT_FOUND, HttpStatus.CONFLICT)
  cancel(@Param('id', IdParamPipe) id: string): Promise<RoundView> {
    return this.rounds.cancel(id);
  }

  @Post(':id/retry')
  @HttpCode(200)
  @ApiBody({
    required: false,
    schema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        fresh: { type: 'boolean', description: 'Start the agents over instead of resuming their sessions' },
      },
    },
  })
  @ApiOkResponse({
    type: RoundViewDto,
    description: "Queued again as the next attempt, resuming the agents' sessions unless fresh",
  })
  @ApiErrorResponses(HttpStatus.BAD_REQUEST, HttpStatus.NOT_FOUND, HttpStatus.CONFLICT)
  retry(
    @Param('id', IdParamPipe) id: string,
    @Body(new SchemaBodyPipe('retry request', validateRetryRequest)) body: RetryRequest,
  ): Promise<RoundView> {
    return this.rounds.retry(id, { fresh: body.fresh === true });
  }

  @Post(':id/commits')
  @HttpCode(200)
  @ApiBody({ schema: { $ref: '#/components/schemas/Report.CommitRef' } })
  @ApiOkResponse({ type: RecordedCommitViewDto })
  @ApiErrorResponses(HttpStatus.BAD_REQUEST, HttpStatus.NOT_FOUND)
  recordCommit(
    @Param('id', IdParamPipe) id: string,
    @Body(new SchemaBodyPipe('commit', validateCommitRef)) commit: CommitRef,
  ): Promise<RecordedCommitView> {
    return this.links.recordCommit(id, commit);
  }
}
