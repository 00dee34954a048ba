import { BadRequestException } from '@nestjs/common';
import { formatIssues, type ValidationIssue } from '@sc/schemas';

/** A 400 whose `details` list every failing JSON path (body, query or header). */
export class ValidationException extends BadRequestException {
  constructor(what: string, issues: ValidationIssue[]) {
    super({ message: `invalid ${what}: ${formatIssues(issues)}`, details: issues });
  }
}
