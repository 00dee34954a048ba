import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import type { Readable } from 'node:stream';
import { ProcessGroup } from './process-group';

/** How {@link exec} runs a command. */
export interface ExecOptions {
  /** Working directory of the child (default: the worker's). */
  cwd?: string;
  /** Variables added to (or, with `undefined`, removed from) the environment the child inherits. */
  env?: Record<string, string | undefined>;
  /** Aborting it stops the child's whole process group: SIGTERM, then SIGKILL after `killGraceMs`. */
  signal?: AbortSignal;
  /** Milliseconds between SIGTERM and SIGKILL (default 5000). */
  killGraceMs?: number;
  /** Called with each line the child writes to stdout, without the line break (cut to {@link MAX_LINE_CHARS}). */
  onStdout?: (line: string) => void;
  /** Called with each line the child writes to stderr, without the line break (cut to {@link MAX_LINE_CHARS}). */
  onStderr?: (line: string) => void;
  /** How much of the end of stdout and of stderr the result keeps, in characters (default 65536). */
  tailChars?: number;
  /** Written to the child's stdin, which is then closed (since API 1.2); without it stdin is closed at once. */
  input?: string | Uint8Array;
}

/** The network an {@link AgentSandbox} leaves its processes: everything, the model gateway only, or nothing. */
export type SandboxNetwork = 'open' | 'model-only' | 'none';

/**
 * What a command run through `ctx.exec` with `sandbox` may touch (since API 1.2): the host runs it confined —
 * the filesystem read-only but for `writable`, a private `/tmp` and `home`, its own PID namespace ended with
 * the phase (or the worker), an environment of allowed names only — or refuses to run it.
 */
export interface AgentSandbox {
  /** Folders the command may write (its worktree, what git needs to commit); everything else is read-only. */
  writable: string[];
  /** Folders it may read that the sandbox hides otherwise (under `/tmp`, the worker's home or data folder). */
  readable?: string[];
  /** Its private, writable `$HOME`. */
  home: string;
  network?: SandboxNetwork;
  /** Limits of its whole process tree; a host that cannot enforce one refuses to run the command. */
  memoryMb?: number;
  pids?: number;
}

/** How a command ended. */
export interface ExecResult {
  /** The exit code, or null when a signal ended the process. */
  exitCode: number | null;
  /** The signal that ended the process, if any (`SIGTERM`, `SIGKILL`). */
  signal: NodeJS.Signals | null;
  /** True when the run was stopped because `options.signal` aborted. */
  aborted: boolean;
  /** The last `tailChars` characters of stdout. */
  stdoutTail: string;
  /** The last `tailChars` characters of stderr. */
  stderrTail: string;
}

/**
 * Why a command could not be started: `code` is the system's (`ENOENT` not found, `EACCES` not executable,
 * `E2BIG` arguments and environment too long, …). Since API 1.2; before, a plain Error with the same message.
 */
export class ExecStartError extends Error {
  readonly code: string | undefined;

  constructor(
    readonly file: string,
    cause: NodeJS.ErrnoException,
  ) {
    super(`cannot run ${file}: ${cause.message}`, { cause });
    this.name = 'ExecStartError';
    this.code = cause.code;
  }
}

/** Default time a process group gets between SIGTERM and SIGKILL. */
export const DEFAULT_KILL_GRACE_MS = 5_000;
const defaultTailChars = 64 * 1024;

/**
 * Runs a command in its own process group (`detached`), so that everything it starts can be stopped
 * together. On abort the group gets SIGTERM, then SIGKILL after the grace period; processes the command
 * leaves behind after it exits are stopped the same way. Resolves once no process of the group is left;
 * rejects only when the command cannot be started (e.g. not found).
 *
 * `exec('git', ['status'], options)` runs the file directly; `exec('npm test 2>&1', options)` runs a
 * command line through `/bin/sh -c`.
 */
export function exec(command: string, args: readonly string[], options?: ExecOptions): Promise<ExecResult>;
export function exec(commandLine: string, options?: ExecOptions): Promise<ExecResult>;
export function exec(
  command: string,
  argsOrOptions?: readonly string[] | ExecOptions,
  maybeOptions?: ExecOptions,
): Promise<ExecResult> {
  if (isArgs(argsOrOptions)) return runInGroup(command, argsOrOptions, maybeOptions ?? {});
  return runInGroup('/bin/sh', ['-c', command], argsOrOptions ?? {});
}

async function runInGroup(file: string, args: readonly string[], options: ExecOptions): Promise<ExecResult> {
  const { signal, killGraceMs = DEFAULT_KILL_GRACE_MS, tailChars = defaultTailChars } = options;
  if (signal?.aborted) return { exitCode: null, signal: null, aborted: true, stdoutTail: '', stderrTail: '' };

  let child: ChildProcessWithoutNullStreams;
  try {
    child = spawn(file, args, {
      cwd: options.cwd,
      env: options.env ? { ...process.env, ...options.env } : undefined,
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
  } catch (error) {
    // Node emits 'error' only for ENOENT, EACCES, EAGAIN, EMFILE and ENFILE; it throws the others (E2BIG: argv
    // and environment past the kernel's limit), and arguments it refuses itself.
    throw new ExecStartError(file, error as NodeJS.ErrnoException);
  }
  // A child that exits without reading all of its input makes the write fail with EPIPE: not our error.
  child.stdin.on('error', () => undefined);
  child.stdin.end(options.input);
  const stdout = collectLines(child.stdout, tailChars, options.onStdout);
  const stderr = collectLines(child.stderr, tailChars, options.onStderr);
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));

  const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
    child.once('exit', (code, sig) => resolve([code, sig]));
    child.once('error', (error) => reject(new ExecStartError(file, error)));
  });
  // The pid exists once spawn succeeded; a failed spawn rejects `exited` below.
  const group = child.pid === undefined ? undefined : new ProcessGroup(child.pid);
  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= group?.terminate(killGraceMs) ?? Promise.resolve());
  // The listener starts the stop; the command's end awaits it (and its failure) below.
  const onAbort = () => void stop();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const [exitCode, exitSignal] = await exited;
    // Grandchildren may outlive the command; none of them may outlive the phase.
    await stop();
    await Promise.race([closed, delay(1_000)]);
    return {
      exitCode,
      signal: exitSignal,
      aborted: signal?.aborted ?? false,
      stdoutTail: stdout.tail(),
      stderrTail: stderr.tail(),
    };
  } finally {
    signal?.removeEventListener('abort', onAbort);
    child.stdout.destroy();
    child.stderr.destroy();
  }
}

/** Lines longer than this reach `onStdout`/`onStderr` cut to it, with `…` appended. */
export const MAX_LINE_CHARS = 16 * 1024;

/**
 * Splits a stream into lines for `onLine` and keeps the last `tailChars` characters. Memory stays bounded
 * whatever the child writes: only the start of an over-long line is kept (a child may print megabytes
 * without a newline), and each chunk is scanned once.
 */
function collectLines(stream: Readable, tailChars: number, onLine?: (line: string) => void): { tail: () => string } {
  let tail = '';
  let partial = '';
  // Keeps one character more than the limit, so that `emit` knows the line was cut.
  const append = (text: string) => {
    if (partial.length <= MAX_LINE_CHARS) partial += text.slice(0, MAX_LINE_CHARS + 1 - partial.length);
  };
  const emit = () => {
    const line = partial.replace(/\r$/, '');
    partial = '';
    onLine?.(line.length > MAX_LINE_CHARS ? `${line.slice(0, MAX_LINE_CHARS)}…` : line);
  };
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    tail = (tail + chunk).slice(-tailChars);
    if (!onLine) return;
    let start = 0;
    for (let newline = chunk.indexOf('\n'); newline !== -1; newline = chunk.indexOf('\n', start)) {
      append(chunk.slice(start, newline));
      emit();
      start = newline + 1;
    }
    append(chunk.slice(start));
  });
  stream.on('end', () => {
    if (onLine && partial) emit();
  });
  return { tail: () => tail };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/**
 * {@link ExecOptions} without `signal` (a context always passes its own), plus `sandbox` (since API 1.2): run
 * the command confined as {@link AgentSandbox} says, with only allowed environment variables.
 */
export type ContextExecOptions = Omit<ExecOptions, 'signal'> & {
  sandbox?: AgentSandbox;
  /** Stops this command alone when it aborts (since API 1.2); the phase's signal still stops it too. */
  signal?: AbortSignal;
};

/**
 * {@link exec} with a fixed `signal` and kill grace, in the shape of `PluginContext.exec`. For hosts that
 * build plugin contexts.
 */
export function bindExec(signal: AbortSignal, killGraceMs = DEFAULT_KILL_GRACE_MS) {
  function boundExec(command: string, args: readonly string[], options?: ContextExecOptions): Promise<ExecResult>;
  function boundExec(commandLine: string, options?: ContextExecOptions): Promise<ExecResult>;
  function boundExec(
    command: string,
    argsOrOptions?: readonly string[] | ContextExecOptions,
    maybeOptions?: ContextExecOptions,
  ): Promise<ExecResult> {
    const both = (own: AbortSignal | undefined) => (own ? AbortSignal.any([signal, own]) : signal);
    if (isArgs(argsOrOptions))
      return exec(command, argsOrOptions, { killGraceMs, ...maybeOptions, signal: both(maybeOptions?.signal) });
    return exec(command, { killGraceMs, ...argsOrOptions, signal: both(argsOrOptions?.signal) });
  }
  return boundExec;
}

// Array.isArray does not narrow a union with a readonly array.
function isArgs(value: readonly string[] | object | undefined): value is readonly string[] {
  return Array.isArray(value);
}
