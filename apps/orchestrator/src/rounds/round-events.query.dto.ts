import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';

/** Query of `GET /rounds/:id/events`. */
export class RoundEventsQueryDto {
  @ApiPropertyOptional({
    enum: ['true', 'false'],
    default: 'true',
    description: 'false: end once the stored history is sent, even while the Round runs',
  })
  @IsOptional()
  @IsIn(['true', 'false'])
  follow?: 'true' | 'false';
}
