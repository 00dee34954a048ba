import { Injectable, type PipeTransform } from '@nestjs/common';
import type { ValidationResult } from '@sc/schemas';
import { ValidationException } from './validation.exception';

/**
 * Checks a request body against a JSON Schema of `@sc/schemas` (through its compiled Ajv validator) and
 * hands on the validated value, defaults filled in. Use: `@Body(new SchemaBodyPipe('work-order', validateWorkOrder))`.
 */
@Injectable()
export class SchemaBodyPipe<T> implements PipeTransform<unknown, T> {
  constructor(
    /** What the body is, for the message (`invalid work-order: /title: is required`). */
    private readonly what: string,
    private readonly validate: (input: unknown) => ValidationResult<T>,
  ) {}

  transform(body: unknown): T {
    // Express leaves the body undefined when the request had none or was not JSON.
    const result = this.validate(body === undefined ? null : body);
    if (!result.ok) throw new ValidationException(this.what, result.issues);
    return result.value;
  }
}
