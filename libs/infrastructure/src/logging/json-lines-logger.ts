import { mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import pino, { type DestinationStream, type Logger, type LevelWithSilent } from 'pino';

/** Where and how a process logs: stdout plus `<logDir>/<yyyy-mm-dd>.jsonl`. */
export interface JsonLinesLoggerOptions {
  /** The process name, put on every line as `service` (`orchestrator`, `worker`, `cli`). */
  service: string;
  /** `SC_LOG_DIR`; no file is written when it is undefined. */
  logDir?: string;
  level?: LevelWithSilent;
  /** Also write to stdout (default true). */
  stdout?: boolean;
}

// Secrets that may ride along in request headers or plugin params never reach a log line.
const redact = {
  paths: ['req.headers.authorization', 'req.headers.cookie', '*.token', '*.password', '*.secret', '*.secretAccessKey'],
  censor: '[redacted]',
};

// Writes are asynchronous (a log line must not block a Round); when a flood outruns the disk or the pipe,
// lines beyond this much buffered data are dropped rather than held in memory without limit.
const maxBufferedBytes = 16 * 1024 * 1024;
// Lines gather and go out in one write once this many bytes wait or the period is up, so the writes happen
// away from the work being logged rather than in the middle of it, one system call and one thread-pool trip
// per line (bench/README.md, item 13). A warning or an error is written at once, and what waits is written
// when the process exits; a process killed outright (SIGKILL, the OOM killer) loses at most the last
// period's info lines.
const batchBytes = 4096;
const flushPeriodMs = 100;
// The flush timer stops after this many periods without a line: an idle process makes no empty writes (pino's
// own `periodicFlush` writes every period, ~1 % of a core here). A flush that finds a write still in progress
// leaves its lines for the next period, so a few periods pass before the timer stops.
const quietPeriodsBeforeIdle = 5;
const warnLevel = 40;

/** Where lines go: a destination that writes what it holds on `flush()`. */
interface LineSink {
  write(line: string): void;
  flush(): void;
}

/** A pino logger writing one JSON object per line to stdout and to a file per UTC day. */
export function createJsonLinesLogger(options: JsonLinesLoggerOptions): Logger {
  const sinks: LineSink[] = [];
  if (options.stdout !== false) sinks.push(batchedDestination(1));
  if (options.logDir) sinks.push(new DailyFileSink(options.logDir));
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: options.service, pid: process.pid },
      redact,
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    new JsonLinesStream(sinks),
  );
}

/** An asynchronous pino destination that batches lines; pino writes what it holds when the process exits. */
function batchedDestination(fd: number): ReturnType<typeof pino.destination> {
  return pino.destination({ fd, sync: false, minLength: batchBytes, maxLength: maxBufferedBytes });
}

/**
 * Hands each line to every sink and has them write what they hold every period while lines come, and at once
 * from `warn` up (pino sets `lastLevel` before each write).
 */
class JsonLinesStream implements DestinationStream {
  readonly [pino.symbols.needsMetadataGsym] = true;
  lastLevel = 0;
  private timer?: NodeJS.Timeout;
  private quietPeriods = 0;

  constructor(private readonly sinks: LineSink[]) {}

  write(line: string): void {
    for (const sink of this.sinks) sink.write(line);
    if (this.lastLevel >= warnLevel) this.flush();
    this.quietPeriods = 0;
    this.timer ??= setInterval(() => this.onPeriod(), flushPeriodMs).unref();
  }

  private onPeriod(): void {
    this.flush();
    if (++this.quietPeriods < quietPeriodsBeforeIdle) return;
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private flush(): void {
    for (const sink of this.sinks) sink.flush();
  }
}

/** Appends each line to `<dir>/<yyyy-mm-dd>.jsonl`, opening the next file when the UTC day changes. */
class DailyFileSink implements LineSink {
  private day = '';
  private file?: ReturnType<typeof pino.destination>;

  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  write(line: string): void {
    const day = new Date().toISOString().slice(0, 10);
    if (day !== this.day) {
      this.file?.end();
      // Opened here, not by pino in the background: a process that exits at once still has its lines written.
      this.file = batchedDestination(openSync(join(this.dir, `${day}.jsonl`), 'a'));
      this.day = day;
    }
    this.file?.write(line);
  }

  flush(): void {
    this.file?.flush();
  }
}
