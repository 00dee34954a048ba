/** What {@link stopOnSignals} needs of the process it stops. */
export interface Stoppable {
  /** Closes the application (its servers, queues, database); undefined while it is still starting. */
  close: (() => Promise<void>) | undefined;
  /** One line per step, JSON-lines. */
  log: (level: 'info' | 'warn', fields: Record<string, unknown>, message: string) => void;
}

/** A {@link Stoppable}'s `log` for the time before the application's logger exists: pino-shaped JSON lines on stdout. */
export function jsonLineLog(service: string): Stoppable['log'] {
  return (level, fields, message) => {
    process.stdout.write(
      `${JSON.stringify({ level: level === 'warn' ? 40 : 30, time: new Date().toISOString(), service, pid: process.pid, ...fields, msg: message })}\n`,
    );
  };
}

/**
 * SIGTERM and SIGINT end the process with exit code 0 within `deadlineMs`, in every state: while it starts,
 * runs, or cannot reach Redis or its database — a close that waits on an unreachable service is cut at the
 * deadline. A second signal exits at once. So `docker stop` and systemd never wait for their kill timeout.
 */
export function stopOnSignals(target: Stoppable, deadlineMs = 8_000): { isStopping: () => boolean } {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return process.exit(0);
    stopping = true;
    target.log('info', { signal }, 'stopping');
    const deadline = setTimeout(() => {
      target.log('warn', { deadline_ms: deadlineMs }, 'not closed in time (a service does not answer): exiting');
      process.exit(0);
    }, deadlineMs);
    deadline.unref();
    void (target.close?.() ?? Promise.resolve()).then(
      () => process.exit(0),
      (error: unknown) => {
        target.log('warn', { err: error instanceof Error ? error.message : String(error) }, 'close failed: exiting');
        process.exit(0);
      },
    );
  };
  process.on('SIGTERM', stop).on('SIGINT', stop);
  return { isStopping: () => stopping };
}
