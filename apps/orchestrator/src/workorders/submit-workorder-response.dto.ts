import { ApiProperty } from '@nestjs/swagger';
import type { SubmitWorkOrderResponse } from '@sc/schemas';

/** Answer of `POST /workorders`, for the OpenAPI document. */
export class SubmitWorkOrderResponseDto implements SubmitWorkOrderResponse {
  @ApiProperty({ description: "The work-order's `id` as submitted, or a generated UUID" })
  workorder_id!: string;

  @ApiProperty({ format: 'uuid' })
  round_id!: string;

  @ApiProperty({ enum: ['queued'] })
  status!: 'queued';
}
