import { ApiPropertyOptional } from '@nestjs/swagger';
import { RoundStates, type ListRoundsQuery, type RoundState } from '@sc/schemas';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';

/** Query of `GET /rounds`; unknown parameters are refused (a typo must not silently list everything). */
export class ListRoundsQueryDto implements ListRoundsQuery {
  @ApiPropertyOptional({ enum: RoundStates })
  @IsOptional()
  @IsIn(RoundStates)
  status?: RoundState;

  @ApiPropertyOptional({ example: 'echo' })
  @IsOptional()
  @Matches(/^[a-z0-9][a-z0-9-]{0,63}$/)
  plugin?: string;

  @ApiPropertyOptional({ example: 'frontend' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9._:/-]{1,64}$/)
  label?: string;

  // The characters a work-order `branch` may have (workorder@1.json): anything else matches no Round, and a
  // NUL byte would not even reach Postgres as a query parameter.
  @ApiPropertyOptional({ example: 'feat/wo-20261125-say-hello-5f607182' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9._/-]{1,255}$/)
  branch?: string;

  // The characters of the ids the orchestrator makes (UUIDs, lower case); none of them is a LIKE wildcard.
  @ApiPropertyOptional({ example: '0193a1b2', description: 'Rounds whose id starts with this' })
  @IsOptional()
  @Matches(/^[0-9a-f-]{1,36}$/)
  id_prefix?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;

  @ApiPropertyOptional({ description: 'next_cursor of the previous page' })
  @IsOptional()
  @MinLength(1)
  @MaxLength(400)
  cursor?: string;
}
