import { applyDecorators, HttpStatus } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import type { ErrorBody } from '@sc/schemas';
import { STATUS_CODES } from 'node:http';
import { ErrorBodyDto } from './error-body.dto';

/** Why the API answers each error status, and a message it gives then, as `/docs` shows them. */
const errors: Readonly<Partial<Record<HttpStatus, { description: string; message: string }>>> = {
  [HttpStatus.BAD_REQUEST]: {
    description: 'The input breaks its schema; `details` lists every failing JSON path.',
    message: 'invalid work-order: /budget/max_tokens: must be >= 1',
  },
  [HttpStatus.UNAUTHORIZED]: {
    description: 'SC_API_TOKEN is set and the bearer token is missing or wrong.',
    message: 'missing or wrong bearer token',
  },
  [HttpStatus.NOT_FOUND]: { description: 'No such id.', message: 'round 6b1f… not found' },
  [HttpStatus.CONFLICT]: {
    description:
      'The Round state machine refuses this transition; or, on submit, the id or branch belongs to another work-order.',
    message: 'illegal transition succeeded → cancelled',
  },
  [HttpStatus.PAYLOAD_TOO_LARGE]: {
    description: 'The body is larger than 1 MiB.',
    message: 'request body is larger than 1 MiB',
  },
};

/** The example answer of `status`. */
function exampleOf(status: HttpStatus): ErrorBody {
  const body: ErrorBody = {
    statusCode: status,
    error: STATUS_CODES[status] ?? 'Error',
    message: errors[status]?.message ?? STATUS_CODES[status] ?? 'error',
  };
  return status === HttpStatus.BAD_REQUEST
    ? { ...body, details: [{ path: '/budget/max_tokens', message: 'must be >= 1' }] }
    : body;
}

/** Documents the error answers a route gives, each with the `ErrorBody` schema; 401 is added to every route. */
export function ApiErrorResponses(...statuses: HttpStatus[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...[...statuses, HttpStatus.UNAUTHORIZED].map((status) =>
      ApiResponse({
        status,
        type: ErrorBodyDto,
        description: errors[status]?.description ?? STATUS_CODES[status],
        example: exampleOf(status),
      }),
    ),
  );
}
