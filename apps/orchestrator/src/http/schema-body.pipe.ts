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
 * cannot store in text, so such a body is refused on every database alike; a string holding a lone UTF-16
 * surrogate (`"\ud800"` is valid JSON), which no UTF-8 column can hold (SQLite stored bytes other readers
 * refuse); and nesting deeper than {@link maxDepth}. Walks with its own stack, so a deep body cannot
 * overflow this walk either.
 */
function bodyIssues(body: unknown): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const pending: { value: unknown; path: string; depth: number }[] = [{ value: body, path: '', depth: 0 }];
  for (let item = pending.pop(); item; item = pending.pop()) {
    const { value, path, depth } = item;
    if (typeof value === 'string') issues.push(...stringIssues(value, path || '/', ''));
    if (value === null || typeof value !== 'object') continue;
    if (depth >= maxDepth) {
      issues.push({ path: path || '/', message: `must not be nested deeper than ${maxDepth} levels` });
      continue;
    }
    for (const [key, child] of Object.entries(value).reverse()) {
      const childPath = `${path}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      issues.push(...stringIssues(key, childPath, 'name '));
      pending.push({ value: child, path: childPath, depth: depth + 1 });
    }
  }
  return issues;
}

/** What a string (a value, or with `subject` 'name ' a key) holds that no database stores alike. */
function stringIssues(text: string, path: string, subject: string): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  if (text.includes('\u0000')) issues.push({ path, message: `${subject}must not contain the NUL character (U+0000)` });
  if (!text.isWellFormed())
    issues.push({ path, message: `${subject}must not contain a lone UTF-16 surrogate (U+D800–U+DFFF)` });
  return issues;
}
