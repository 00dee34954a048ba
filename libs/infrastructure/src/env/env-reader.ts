import { DefaultQueuePrefix } from '@sc/schemas';
import { resolve } from 'node:path';

/** A variable with a value the process cannot start with; the message is the one line printed (exit 2). */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Pino's level names, as `LOG_LEVEL` accepts them. */
export const LogLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LogLevels)[number];

// Redis keys are `<prefix>:<queue>:…`; a colon or a space in the prefix would make them ambiguous.
const queuePrefixPattern = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/**
 * Reads the environment the same way in every process: a variable set to blanks is unset, and a bad value
 * throws a {@link ConfigError} naming the variable, what it expects and what it got (a URL's password masked).
 */
export class EnvReader {
  constructor(private readonly env: NodeJS.ProcessEnv) {}

  /** The trimmed value; undefined when unset or blank. */
  string(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value ? value : undefined;
  }

  /** Throws the {@link ConfigError} of a bad value. */
  fail(name: string, expected: string, got: string): never {
    throw new ConfigError(`${name}: expected ${expected}, got ${JSON.stringify(withoutPassword(got))}`);
  }

  /** A whole number from `min` to `max`; undefined when unset. */
  integer(name: string, min: number, max: number): number | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    const value = Number(raw);
    return /^\d+$/.test(raw) && value >= min && value <= max
      ? value
      : this.fail(name, `an integer from ${min} to ${max}`, raw);
  }

  /** Comma-separated entries, blanks dropped. */
  list(name: string): string[] {
    return (this.string(name) ?? '')
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean);
  }

  /** An absolute path; relative values and the fallback are resolved from the working directory. */
  path(name: string, fallback: string): string {
    return resolve(this.string(name) ?? fallback);
  }

  /** A URL with one of `protocols` and a host; undefined when unset. */
  url(name: string, protocols: readonly string[], expected: string): string | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    return hasProtocol(raw, protocols) ? raw : this.fail(name, expected, raw);
  }

  /** `SC_QUEUE_PREFIX`: the first part of every Redis key, so that two stacks can share one Redis. */
  queuePrefix(): string {
    const raw = this.string('SC_QUEUE_PREFIX') ?? DefaultQueuePrefix;
    return queuePrefixPattern.test(raw)
      ? raw
      : this.fail('SC_QUEUE_PREFIX', 'letters, digits, "_", "." or "-" (at most 64, no ":")', raw);
  }

  /** `LOG_LEVEL`, `info` when unset. */
  logLevel(): LogLevel {
    const raw = this.string('LOG_LEVEL') ?? 'info';
    return (LogLevels as readonly string[]).includes(raw)
      ? (raw as LogLevel)
      : this.fail('LOG_LEVEL', `one of ${LogLevels.join(', ')}`, raw);
  }
}

function hasProtocol(raw: string, protocols: readonly string[]): boolean {
  try {
    const url = new URL(raw);
    return protocols.includes(url.protocol) && url.hostname !== '';
  } catch {
    return false;
  }
}

// `scheme://user:password@`: the password runs to the `@`; `/` or whitespace first means it was no credential.
const urlCredentials = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:@/]*):[^\s@/]*@/gi;

/**
 * `text` with the password of every `scheme://user:password@host` URL in it masked (`user:***@`): config errors
 * and `sc doctor` print values that may be pasted into an issue, and `REDIS_URL`, `DATABASE_URL` and
 * `SC_API_URL` may hold credentials.
 */
export function withoutPassword(text: string): string {
  return text.replace(urlCredentials, '$1:***@');
}

/**
 * A process's config from `process.env`: on a bad value the one-line reason goes to stderr and the process
 * exits with code 2 before anything else starts — a wrong setting is a usage error, not a crash.
 */
export function loadConfig<T>(parse: (env: NodeJS.ProcessEnv) => T, env: NodeJS.ProcessEnv = process.env): T {
  try {
    return parse(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
}
