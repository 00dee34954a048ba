import { Injectable, type PipeTransform } from '@nestjs/common';
import type { ValidationIssue, ValidationResult } from '@sc/schemas';
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
    // Checked first: the validator copies the body recursively, which a too deep one would overflow.
    const issues = bodyIssues(body);
    if (issues.length > 0) throw new ValidationException(this.what, issues);
    // Express leaves the body undefined when the request had none or was not JSON.
    const result = this.validate(body === undefined ? null : body);
    if (!result.ok) throw new ValidationException(this.what, result.issues);
    return result.value;
  }
}

// Far deeper than any work-order or Report needs; a deeper body (a few bytes per level fit thousands into
// 1 MiB) would overflow the stack of recursive code further on, JSON.stringify included.
const maxDepth = 64;

/**
 * What the JSON Schema cannot say about a body: a string (value or key) holding U+0000, which Postgres
 * cannot store in text, so such a body is refused on every database alike; and nesting deeper than
 * {@link maxDepth}. Walks with its own stack, so a deep body cannot overflow this walk either.
 */
function bodyIssues(body: unknown): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const pending: { value: unknown; path: string; depth: number }[] = [{ value: body, path: '', depth: 0 }];
  for (let item = pending.pop(); item; item = pending.pop()) {
    const { value, path, depth } = item;
    if (typeof value === 'string' && value.includes('\u0000')) issues.push({ path: path || '/', message: 'must not contain the NUL character (U+0000)' });
    if (value === null || typeof value !== 'object') continue;
    if (depth >= maxDepth) {
      issues.push({ path: path || '/', message: `must not be nested deeper than ${maxDepth} levels` });
      continue;
    }
    for (const [key, child] of Object.entries(value).reverse()) {
      const childPath = `${path}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      if (key.includes('\u0000')) issues.push({ path: childPath, message: 'name must not contain the NUL character (U+0000)' });
      pending.push({ value: child, path: childPath, depth: depth + 1 });
    }
  }
  return issues;
}
