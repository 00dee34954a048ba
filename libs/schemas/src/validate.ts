import type { default as Ajv2020, ErrorObject, ValidateFunction } from 'ajv/dist/2020';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CommitRef, Report } from './report.types';
import type { WorkOrder } from './workorder.types';
import { roundMessageSchema, workOrderJobSchema, type RoundMessage, type WorkOrderJob } from './queues';
import { workerHeartbeatSchema, type WorkerHeartbeat } from './worker-heartbeat';

/** One thing wrong with a document: a JSON Pointer into it and what is wrong there. */
export interface ValidationIssue {
  /** JSON Pointer of the offending value, `""` for the document itself (`/budget/max_tokens`). */
  path: string;
  message: string;
}

/** The outcome of a validation: the value (with schema defaults filled in) or every issue found. */
export type ValidationResult<T> = { ok: true; value: T } | { ok: false; issues: ValidationIssue[] };

/** Reads one of the JSON Schemas shipped in `libs/schemas/schemas/` (works from `src/` and `dist/`). */
export function loadSchema(fileName: 'workorder@1.json' | 'report@1.json'): Record<string, unknown> {
  return JSON.parse(readFileSync(join(__dirname, '..', 'schemas', fileName), 'utf8')) as Record<string, unknown>;
}

/** The work-order JSON Schema, as shipped. */
export const workOrderSchema = loadSchema('workorder@1.json');
/** The report JSON Schema, as shipped. */
export const reportSchema = loadSchema('report@1.json');

let ajv: Ajv2020 | undefined;

/**
 * The one Ajv instance, made on the first compile. Made at import, it cost every process's start its
 * largest single item (bench/README.md): adding a schema compiles the JSON Schema 2020-12 meta-schema.
 * Ajv itself is loaded here too (a few per cent of the orchestrator's start), hence `require`: the
 * validators are synchronous, and an `import` is loaded with the module.
 */
function schemaCompiler(): Ajv2020 {
  if (ajv !== undefined) return ajv;
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { default: Ajv } = require('ajv/dist/2020') as typeof import('ajv/dist/2020');
  const { default: addFormats } = require('ajv-formats') as typeof import('ajv-formats');
  /* eslint-enable @typescript-eslint/no-require-imports */
  ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true, strictRequired: false, allowUnionTypes: true });
  addFormats(ajv);
  ajv.addSchema(workOrderSchema).addSchema(reportSchema);
  return ajv;
}

/**
 * Compiles a schema into a function returning every issue found. The input is deep-cloned first, so
 * defaults are filled into the returned value and never into the caller's object.
 */
export function createValidator<T>(schema: object): (input: unknown) => ValidationResult<T> {
  // Compiled on first call, not at import: each process calls only some of the validators.
  let validate: ValidateFunction | undefined;
  return (input) => {
    validate ??= schemaCompiler().compile(schema);
    const value: unknown = structuredClone(input);
    if (validate(value)) return { ok: true, value: value as T };
    return { ok: false, issues: toIssues(validate.errors ?? []) };
  };
}

/** Validates a work-order document (schema 1.x) and fills in its defaults. */
export const validateWorkOrder = createValidator<WorkOrder>(workOrderSchema);
/** Validates a Report, e.g. one a plugin produced. */
export const validateReport = createValidator<Report>(reportSchema);
/** Validates a commit to record on a Round (`POST /rounds/:id/commits`): a Report's `commits[]` entry. */
export const validateCommitRef = createValidator<CommitRef>({
  $ref: `${String(reportSchema.$id)}#/properties/commits/items`,
});
/** The body of `POST /rounds/:id/retry`: `{ "fresh": true }` starts the agents over instead of resuming their sessions. */
export interface RetryRequest {
  fresh?: boolean;
}
const validateRetryBody = createValidator<RetryRequest>({
  type: 'object',
  additionalProperties: false,
  properties: { fresh: { type: 'boolean' } },
});
/** Validates a retry's body; none at all is `{}`. */
export const validateRetryRequest = (input: unknown): ValidationResult<RetryRequest> => validateRetryBody(input ?? {});
/** What a repository may declare in `.sc/setup.yml`: the work-order's `setup` and `cache`, for any work-order on it. */
export type RepositorySetup = Pick<WorkOrder, 'setup' | 'cache'>;
/** Validates the content of a repository's `.sc/setup.yml` (outside input: the repository is anyone's). */
export const validateRepositorySetup = createValidator<RepositorySetup>({
  type: 'object',
  additionalProperties: false,
  properties: {
    setup: { $ref: `${String(workOrderSchema.$id)}#/$defs/setupSteps` },
    cache: { $ref: `${String(workOrderSchema.$id)}#/$defs/caches` },
  },
});
/** The body of `POST /rounds/:id/reject`: why the work is refused (stored as the reason of the Round's end). */
export interface RejectRequest {
  reason: string;
}
/** Validates a reject's body: a reason of 1 to 2000 characters. */
export const validateRejectRequest = createValidator<RejectRequest>({
  type: 'object',
  additionalProperties: false,
  required: ['reason'],
  properties: { reason: { type: 'string', minLength: 1, maxLength: 2000 } },
});
const notifyUrlPattern = new RegExp(
  (workOrderSchema as { properties: { notify: { items: { pattern: string } } } }).properties.notify.items.pattern,
);

/** Whether `url` may receive notifications (`SC_NOTIFY_URLS`): http(s), a host, no credentials — the schema's rule for `notify`. */
export function isNotifyUrl(url: string): boolean {
  return notifyUrlPattern.test(url);
}
/** Validates a `workorders` queue job payload. */
export const validateWorkOrderJob = createValidator<WorkOrderJob>(workOrderJobSchema);
/** Validates a `reports` queue message. */
export const validateRoundMessage = createValidator<RoundMessage>(roundMessageSchema);
/** Validates a worker's heartbeat record as read from Redis. */
export const validateWorkerHeartbeat = createValidator<WorkerHeartbeat>(workerHeartbeatSchema);

/** Formats issues as one line: `/title: is required; /priority: must be <= 10`. */
export function formatIssues(issues: readonly ValidationIssue[]): string {
  return issues.map((issue) => `${issue.path || '/'}: ${issue.message}`).join('; ');
}

// Ajv reports a failed `oneOf`/`if` both as itself and as each branch's errors; users want one line
// per place, so branch noise is folded into the parent's message.
function toIssues(errors: readonly ErrorObject[]): ValidationIssue[] {
  const oneOfPaths = new Set(errors.filter((e) => e.keyword === 'oneOf').map((e) => e.instancePath));
  const seen = new Set<string>();
  const issues: ValidationIssue[] = [];
  for (const error of errors) {
    if (error.keyword === 'if') continue;
    if (error.keyword !== 'oneOf' && oneOfPaths.has(error.instancePath) && error.schemaPath.includes('/oneOf/'))
      continue;
    const issue = toIssue(error);
    const key = `${issue.path}\u0000${issue.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    issues.push(issue);
  }
  return issues;
}

function toIssue(error: ErrorObject): ValidationIssue {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return { path: `${error.instancePath}/${escapePointer(String(params.missingProperty))}`, message: 'is required' };
    case 'additionalProperties':
      return {
        path: `${error.instancePath}/${escapePointer(String(params.additionalProperty))}`,
        message: 'is not a known field',
      };
    case 'oneOf':
      return {
        path: error.instancePath,
        message: 'must be a positive number of seconds or an ISO-8601 duration (PT30M)',
      };
    case 'enum':
      return { path: error.instancePath, message: `must be one of ${(params.allowedValues as unknown[]).join(', ')}` };
    case 'pattern':
      if (error.schemaPath.includes('/relativePath/'))
        return {
          path: error.instancePath,
          message:
            'must be a relative path inside the worktree (no leading "/", no "." or ".." segment, not under .git)',
        };
      return { path: error.instancePath, message: `must match ${String(params.pattern)}` };
    default:
      return { path: error.instancePath, message: error.message ?? 'is invalid' };
  }
}

function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}
