import { Injectable, type PipeTransform } from '@nestjs/common';
import { workOrderSchema } from '@sc/schemas';
import { ValidationException } from './validation.exception';

// Every id the API hands out has the shape of a work-order `id` (Round and Report ids are UUIDs, which fit it),
// so the pattern comes from workorder@1.json rather than being written twice.
const idPattern = new RegExp((workOrderSchema as { properties: { id: { pattern: string } } }).properties.id.pattern);

/**
 * Checks the `:id` of a route: an id that no work-order, Round or Report can have (`..`, a NUL byte, 5000
 * characters) is a 400 before any query runs, so no database sees it (Postgres refuses NUL in text outright).
 * Use: `@Param('id', IdParamPipe) id: string`.
 */
@Injectable()
export class IdParamPipe implements PipeTransform<string, string> {
  transform(id: string): string {
    if (!idPattern.test(id)) {
      throw new ValidationException('path', [
        { path: '/id', message: 'must be 1 to 128 letters, digits, ".", "_" or "-", starting with a letter or digit' },
      ]);
    }
    return id;
  }
}
