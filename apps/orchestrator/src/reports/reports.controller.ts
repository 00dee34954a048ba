import { Controller, Get, HttpStatus, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Report } from '@sc/schemas';
import { IdParamPipe } from '../http/id-param.pipe';
import { ApiErrorResponses } from '../http/api-error-responses.decorator';
import { ReportsService } from './reports.service';

@ApiTags('reports')
@ApiBearerAuth()
@Controller('reports')
export class ReportsController {
  constructor(private readonly reports: ReportsService) {}

  /** The Report of a Round's latest attempt (by round id), or a Report by its own id. */
  @Get(':id')
  @ApiOkResponse({ schema: { $ref: '#/components/schemas/Report' } })
  @ApiErrorResponses(HttpStatus.NOT_FOUND)
  get(@Param('id', IdParamPipe) id: string): Promise<Report> {
    return this.reports.get(id);
  }
}
