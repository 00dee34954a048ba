import { ValidationPipe, type ValidationError } from '@nestjs/common';
import type { ValidationIssue } from '@sc/schemas';
import { ValidationException } from './validation.exception';

/**
 * Checks a query string against its class-validator DTO: values converted (`limit=20` → 20), unknown
 * parameters refused, and every problem listed in `details` as `/name`.
 */
export const queryValidationPipe = new ValidationPipe({
  transform: true,
  whitelist: true,
  forbidNonWhitelisted: true,
  exceptionFactory: (errors: ValidationError[]) => new ValidationException('query', errors.flatMap(toIssues)),
});

function toIssues(error: ValidationError): ValidationIssue[] {
  // class-validator's messages start with the property name ("limit must not be greater than 200"). The name
  // comes from the client's query string, so it is cut off as text, never read as a pattern.
  const prefix = `${error.property} `;
  const messages = Object.values(error.constraints ?? {}).map((message) =>
    message.startsWith(prefix) ? message.slice(prefix.length) : message,
  );
  return messages.map((message) => ({ path: `/${error.property}`, message }));
}
