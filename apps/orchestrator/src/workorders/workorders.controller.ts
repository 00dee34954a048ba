import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiHeader, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { validateWorkOrder, type StoredWorkOrder, type SubmitWorkOrderResponse, type WorkOrder } from '@sc/schemas';
import { IdParamPipe } from '../http/id-param.pipe';
import { ApiErrorResponses } from '../http/api-error-responses.decorator';
import { SchemaBodyPipe } from '../http/schema-body.pipe';
import { IdempotencyKey } from './idempotency-key.decorator';
import { SubmitWorkOrderResponseDto } from './submit-workorder-response.dto';
import { WorkOrdersService } from './workorders.service';

/** The body Swagger UI's "Try it out" starts from: the smallest work-order that runs (examples/echo.json). */
const echoExample = {
  title: 'Say hello',
  instructions: "Echo these instructions back as the Round's summary.",
  plugin: 'echo',
  phases: ['coding'],
  labels: ['demo'],
  params: { greeting: 'hello from Solar Circuit' },
};

@ApiTags('workorders')
@ApiBearerAuth()
@Controller('workorders')
export class WorkOrdersController {
  constructor(private readonly workorders: WorkOrdersService) {}

  @Post()
  @HttpCode(200)
  @ApiBody({
    schema: { $ref: '#/components/schemas/WorkOrder' },
    examples: { echo: { summary: 'An echo Round', value: echoExample } },
  })
  @ApiOkResponse({
    type: SubmitWorkOrderResponseDto,
    description: 'Queued; a repeated submit (same `id` or Idempotency-Key) gets the first answer',
  })
  @ApiErrorResponses(HttpStatus.BAD_REQUEST, HttpStatus.CONFLICT, HttpStatus.PAYLOAD_TOO_LARGE)
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'Repeating a submit with the same key returns the first answer.',
  })
  submit(
    @Body(new SchemaBodyPipe('work-order', validateWorkOrder)) order: WorkOrder,
    @IdempotencyKey() key: string | undefined,
  ): Promise<SubmitWorkOrderResponse> {
    return this.workorders.submit(order, key);
  }

  @Get(':id')
  @ApiOkResponse({ schema: { $ref: '#/components/schemas/WorkOrder' } })
  @ApiErrorResponses(HttpStatus.NOT_FOUND)
  get(@Param('id', IdParamPipe) id: string): Promise<StoredWorkOrder> {
    return this.workorders.get(id);
  }
}
