import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiHeader, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { validateWorkOrder, type StoredWorkOrder, type SubmitWorkOrderResponse, type WorkOrder } from '@sc/schemas';
import { IdParamPipe } from '../http/id-param.pipe';
import { SchemaBodyPipe } from '../http/schema-body.pipe';
import { IdempotencyKey } from './idempotency-key.decorator';
import { WorkOrdersService } from './workorders.service';

@ApiTags('workorders')
@ApiBearerAuth()
@Controller('workorders')
export class WorkOrdersController {
  constructor(private readonly workorders: WorkOrdersService) {}

  @Post()
  @HttpCode(200)
  @ApiBody({ schema: { $ref: '#/components/schemas/WorkOrder' } })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'Repeating a submit with the same key returns the first answer.' })
  submit(@Body(new SchemaBodyPipe('work-order', validateWorkOrder)) order: WorkOrder, @IdempotencyKey() key: string | undefined): Promise<SubmitWorkOrderResponse> {
    return this.workorders.submit(order, key);
  }

  @Get(':id')
  @ApiOkResponse({ schema: { $ref: '#/components/schemas/WorkOrder' } })
  get(@Param('id', IdParamPipe) id: string): Promise<StoredWorkOrder> {
    return this.workorders.get(id);
  }
}
