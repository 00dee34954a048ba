import { QueryFailedError } from 'typeorm';

// Postgres `unique_violation`, and better-sqlite3's codes for a UNIQUE index and a primary key.
const uniqueViolationCodes = new Set(['23505', 'SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_CONSTRAINT_PRIMARYKEY']);

/**
 * True when a write failed on a unique constraint. Idempotent writes insert first and treat this as
 * "already done", which stays correct under concurrency where a read-then-write would race.
 */
export function isUniqueViolation(error: unknown): boolean {
  if (!(error instanceof QueryFailedError)) return false;
  const code = (error.driverError as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && uniqueViolationCodes.has(code);
}
