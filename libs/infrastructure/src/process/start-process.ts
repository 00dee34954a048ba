import { ConfigError } from '../env/env-reader';
import { jsonLineLog, stopOnSignals, type Stoppable } from './stop-on-signals';

/**
 * Starts a process the same way in every app: SIGTERM and SIGINT stop it from the first moment (see
 * {@link stopOnSignals}; `start` sets `stoppable.close` once there is something to close), and a failure to
 * start is one line on stderr — exit 2 for a setting the user must fix ({@link ConfigError}), 1 for anything else.
 */
export function startProcess(service: string, start: (stoppable: Stoppable) => Promise<void>): void {
  const stoppable: Stoppable = { close: undefined, log: jsonLineLog(service) };
  const signals = stopOnSignals(stoppable);
  start(stoppable).catch((error: unknown) => {
    // A start cut short by a signal (closing what it waited on) is a stop, which exits 0 on its own.
    if (signals.isStopping()) return;
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(error instanceof ConfigError ? `${message}\n` : `${service} failed to start: ${message}\n`);
    process.exit(error instanceof ConfigError ? 2 : 1);
  });
}
