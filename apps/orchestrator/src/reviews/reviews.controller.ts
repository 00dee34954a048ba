import { Body, Controller, Get, Header, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import { validateRejectRequest, type RejectRequest, type RoundView } from '@sc/schemas';
import { ApiErrorResponses } from '../http/api-error-responses.decorator';
import { IdParamPipe } from '../http/id-param.pipe';
import { SchemaBodyPipe } from '../http/schema-body.pipe';
import { RoundViewDto } from '../rounds/round-view.dto';
import { ReviewsService } from './reviews.service';

@ApiTags('rounds')
@ApiBearerAuth()
@Controller('rounds')
export class ReviewsController {
  constructor(private readonly reviews: ReviewsService) {}

  @Get(':id/diff')
  @Header('content-type', 'text/x-diff; charset=utf-8')
  @ApiProduces('text/x-diff')
  @ApiOkResponse({
    description:
      "Unified diff of every agent branch against its base, one section per agent (a '# agent …' line before each)",
    schema: { type: 'string' },
  })
  @ApiErrorResponses(HttpStatus.NOT_FOUND)
  diff(@Param('id', IdParamPipe) id: string): Promise<string> {
    return this.reviews.diff(id);
  }

  @Post(':id/approve')
  @HttpCode(200)
  @ApiOkResponse({
    type: RoundViewDto,
    description: 'Approved: succeeded (its pull request follows, when the work-order asks for one)',
  })
  @ApiErrorResponses(HttpStatus.NOT_FOUND, HttpStatus.CONFLICT)
  approve(@Param('id', IdParamPipe) id: string): Promise<RoundView> {
    return this.reviews.decide(id, { approved: true });
  }

  @Post(':id/reject')
  @HttpCode(200)
  @ApiBody({
    schema: {
      type: 'object',
      additionalProperties: false,
      required: ['reason'],
      properties: { reason: { type: 'string', minLength: 1, maxLength: 2000 } },
    },
  })
  @ApiOkResponse({ type: RoundViewDto, description: 'Rejected: failed with the reason; the branch stays' })
  @ApiErrorResponses(HttpStatus.BAD_REQUEST, HttpStatus.NOT_FOUND, HttpStatus.CONFLICT)
  reject(
    @Param('id', IdParamPipe) id: string,
    @Body(new SchemaBodyPipe('reject request', validateRejectRequest)) body: RejectRequest,
  ): Promise<RoundView> {
    return this.reviews.decide(id, { approved: false, reason: body.reason });
  }
}
