import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiTags } from '@nestjs/swagger';
import { validateCommitRef, type CommitRef, type RecordedCommitView, type RoundPage, type RoundView } from '@sc/schemas';
import { IdParamPipe } from '../http/id-param.pipe';
import { queryValidationPipe } from '../http/query-validation.pipe';
import { SchemaBodyPipe } from '../http/schema-body.pipe';
import { ListRoundsQueryDto } from './list-rounds.query.dto';
import { RoundsService } from './rounds.service';

@ApiTags('rounds')
@ApiBearerAuth()
@Controller('rounds')
export class RoundsController {
  constructor(private readonly rounds: RoundsService) {}

  @Get()
  list(@Query(queryValidationPipe) query: ListRoundsQueryDto): Promise<RoundPage> {
    return this.rounds.list(query);
  }

  @Get(':id')
  get(@Param('id', IdParamPipe) id: string): Promise<RoundView> {
    return this.rounds.get(id);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  cancel(@Param('id', IdParamPipe) id: string): Promise<RoundView> {
    return this.rounds.cancel(id);
  }

  @Post(':id/retry')
  @HttpCode(200)
  retry(@Param('id', IdParamPipe) id: string): Promise<RoundView> {
    return this.rounds.retry(id);
  }

  @Post(':id/commits')
  @HttpCode(200)
  @ApiBody({ schema: { $ref: '#/components/schemas/Report.CommitRef' } })
  recordCommit(@Param('id', IdParamPipe) id: string, @Body(new SchemaBodyPipe('commit', validateCommitRef)) commit: CommitRef): Promise<RecordedCommitView> {
    return this.rounds.recordCommit(id, commit);
  }
}
