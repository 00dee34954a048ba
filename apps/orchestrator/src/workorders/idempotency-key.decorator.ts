import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { ValidationException } from '../http/validation.exception';

// Printable ASCII, like Stripe's and the IETF draft's keys; a UUID is the usual choice.
const keyPattern = /^[\x20-\x7e]{1,200}$/;

/**
 * The request's `Idempotency-Key` header: undefined when absent, 400 when it is not 1..200 printable
 * characters. Submits with the same key get the first submit's answer.
 */
export const IdempotencyKey = createParamDecorator((_: unknown, context: ExecutionContext): string | undefined => {
  const value = context.switchToHttp().getRequest<Request>().headers['idempotency-key'];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !keyPattern.test(value)) {
    throw new ValidationException('header', [
      { path: '/headers/idempotency-key', message: 'must be 1 to 200 printable ASCII characters' },
    ]);
  }
  return value;
});
