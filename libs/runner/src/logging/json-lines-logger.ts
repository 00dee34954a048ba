import { mkdirSync } from 'node:fs';
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

/** A pino logger writing one JSON object per line to stdout and to a file per UTC day. */
export function createJsonLinesLogger(options: JsonLinesLoggerOptions): Logger {
  const streams: pino.StreamEntry[] = [];
  if (options.stdout !== false) streams.push({ stream: pino.destination({ fd: 1, sync: false, maxLength: maxBufferedBytes }) });
  if (options.logDir) streams.push({ stream: new DailyFileStream(options.logDir) });
  return pino(
    { level: options.level ?? 'info', base: { service: options.service, pid: process.pid }, redact, timestamp: pino.stdTimeFunctions.isoTime },
    pino.multistream(streams),
  );
}

/** Appends each line to `<dir>/<yyyy-mm-dd>.jsonl`, opening the next file when the UTC day changes. */
class DailyFileStream implements DestinationStream {
  private day = '';
  private file?: ReturnType<typeof pino.destination>;

  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  write(line: string): void {
    const day = new Date().toISOString().slice(0, 10);
    if (day !== this.day) {
      this.file?.end();
      this.file = pino.destination({ dest: join(this.dir, `${day}.jsonl`), append: true, sync: false, mkdir: true, maxLength: maxBufferedBytes });
      this.day = day;
    }
    this.file?.write(line);
  }

  /** Writes what is buffered; call before the process exits. */
  flushSync(): void {
    this.file?.flushSync();
  }
}
