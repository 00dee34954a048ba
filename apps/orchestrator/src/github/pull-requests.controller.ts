import { Controller, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { PullRequestResult } from '@sc/schemas';
import { ApiErrorResponses } from '../http/api-error-responses.decorator';
import { IdParamPipe } from '../http/id-param.pipe';
import { PullRequestsService } from './pull-requests.service';

@ApiTags('rounds')
@ApiBearerAuth()
@Controller('rounds')
export class PullRequestsController {
  constructor(private readonly pullRequests: PullRequestsService) {}

  /** `sc pr ROUND_ID`: opens or updates the pull request of the Round's branch on GitHub. */
  @Post(':id/pull-request')
  @HttpCode(200)
  @ApiOkResponse({
    description: 'The pull request of the Round, and whether it was opened, updated or commented',
    schema: {
      type: 'object',
      required: ['round_id', 'number', 'url', 'action'],
      properties: {
        round_id: { type: 'string' },
        number: { type: 'integer' },
        url: { type: 'string' },
        action: { enum: ['opened', 'updated', 'commented'] },
      },
    },
  })
  @ApiErrorResponses(HttpStatus.NOT_FOUND, HttpStatus.CONFLICT)
  openOrUpdate(@Param('id', IdParamPipe) id: string): Promise<PullRequestResult> {
    return this.pullRequests.openOrUpdate(id);
  }
}
