import type { ErrorBody, ValidationIssue } from '@sc/schemas';
import { stripVTControlCharacters } from 'node:util';

/** What an `sc` process exits with; scripts and CI branch on these. */
export enum ExitCode {
  Ok = 0,
  /** The work failed: a Round did not succeed, a check failed, the orchestrator refused or could not be reached. */
  Failed = 1,
  /** Usage or invalid input: a bad flag or argument, an invalid work-order file, an unknown id. */
  Usage = 2,
}

/** Bad input from the user (a flag, an argument, a file): one line on stderr, exit 2. */
export class UsageError extends Error {
  readonly exitCode = ExitCode.Usage;

  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Something the user asked for did not work (a check, a git command): one line on stderr, exit 1. */
export class FailureError extends Error {
  readonly exitCode = ExitCode.Failed;

  constructor(message: string) {
    super(message);
    this.name = 'FailureError';
  }
}

// HTTP statuses that mean the caller asked wrongly, rather than that the work failed.
const usageStatuses = new Set([400, 401, 404, 413, 422]);

/** The orchestrator answered with an error body `{ statusCode, error, message, details? }`. */
export class ApiError extends Error {
  constructor(
    readonly body: ErrorBody,
    readonly request: string,
  ) {
    super(body.message);
    this.name = 'ApiError';
  }

  /**
   * The caller's mistake, exit 2: invalid input (400, 413, 422), a missing or wrong SC_API_TOKEN (401), an
   * unknown id (404). Anything else is a failure.
   */
  get exitCode(): ExitCode {
    return usageStatuses.has(this.body.statusCode) ? ExitCode.Usage : ExitCode.Failed;
  }
}

/** No HTTP answer at all: connection refused, DNS failure, reset. */
export class ApiUnreachableError extends Error {
  readonly exitCode = ExitCode.Failed;

  constructor(
    readonly baseUrl: string,
    reason: string,
  ) {
    super(`cannot reach the orchestrator at ${baseUrl}: ${reason}`);
    this.name = 'ApiUnreachableError';
  }
}

/** How the base command reports an error: one line for stderr, the JSON for `--json`, the exit code. */
export interface ErrorOutcome {
  line: string;
  exitCode: ExitCode;
  json: { error: { message: string; exit_code: number; status_code?: number; details?: ValidationIssue[] } };
}

/**
 * Maps anything a command throws to one line and an exit code. oclif's own errors (flag and argument parsing,
 * unknown command) carry `oclif.exit`, which is 2 for every parse error.
 */
export function describeError(error: unknown): ErrorOutcome {
  if (error instanceof ApiError) {
    const { statusCode, details } = error.body;
    const paths = details?.length
      ? `: ${details.map((issue) => `${issue.path || '/'}: ${issue.message}`).join('; ')}`
      : '';
    const hint = statusCode === 401 ? ' (set SC_API_TOKEN)' : '';
    const line = `${error.request} → ${statusCode} ${error.message}${hint}${paths}`;
    return outcome(line, error.exitCode, { status_code: statusCode, ...(details ? { details } : {}) });
  }
  const exitCode = exitCodeOf(error);
  const message = error instanceof Error ? error.message : String(error);
  return outcome(oneLine(message) || 'unknown error', exitCode, {});
}

/** True for oclif's `this.exit(n)`, which is a way out rather than an error to report. */
export function isExitRequest(error: unknown): error is Error & { oclif: { exit: number } } {
  return error instanceof Error && (error as { code?: unknown }).code === 'EEXIT';
}

function exitCodeOf(error: unknown): ExitCode {
  if (typeof error !== 'object' || error === null) return ExitCode.Failed;
  const own = (error as { exitCode?: unknown }).exitCode;
  if (own === ExitCode.Usage || own === ExitCode.Failed) return own;
  const oclif = (error as { oclif?: { exit?: unknown } }).oclif?.exit;
  return oclif === ExitCode.Usage ? ExitCode.Usage : ExitCode.Failed;
}

// oclif's parse errors span several lines ("Missing 1 required arg:\nfile …\nSee more help with --help").
function oneLine(message: string): string {
  return stripVTControlCharacters(message)
    .split('\n')
    .map((part) => part.trim())
    .filter(Boolean)
    .join(' ')
    .replace(/\s+/g, ' ');
}

function outcome(
  line: string,
  exitCode: ExitCode,
  extra: Omit<ErrorOutcome['json']['error'], 'message' | 'exit_code'>,
): ErrorOutcome {
  return { line, exitCode, json: { error: { message: line, exit_code: exitCode, ...extra } } };
}
