import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { ErrorBody, ValidationIssue } from '@sc/schemas';

/** One failing JSON path of a 400, for the OpenAPI document. */
export class ValidationIssueDto implements ValidationIssue {
  @ApiProperty({
    description: 'JSON Pointer of the offending value, "" for the whole document',
    example: '/budget/max_tokens',
  })
  path!: string;

  @ApiProperty({ example: 'must be >= 1' })
  message!: string;
}

/** Every error answer of the API (`HttpErrorFilter`), for the OpenAPI document. */
export class ErrorBodyDto implements ErrorBody {
  @ApiProperty({ example: 400 })
  statusCode!: number;

  @ApiProperty({ example: 'Bad Request' })
  error!: string;

  @ApiProperty({ example: 'invalid work-order: /budget/max_tokens: must be >= 1' })
  message!: string;

  @ApiPropertyOptional({ type: [ValidationIssueDto], description: 'Every failing JSON path (400 only)' })
  details?: ValidationIssueDto[];
}
