import { bindExec, createPluginLogger, type PluginContext, type UsageReport } from '@sc/plugin-sdk';
import type { ArtifactRef, LogEvent, WorkOrderJob } from '@sc/schemas';
import type { Logger } from 'pino';
import type { ArtifactStore } from './artifacts/artifact-store';
import type { ModelGateway } from './model-gateway/model-gateway';
import type { SandboxRuntime } from './sandbox/sandbox-runtime';
import { sandboxedExec } from './sandbox/sandboxed-exec';
import type { TokenLedger } from './token-ledger';

/** What {@link createPhaseContext} needs from the Round being run. */
export interface PhaseContextOptions {
  job: WorkOrderJob;
  phase: string;
  /** Aborts on the phase's timeout or the Round's cancel. */
  signal: AbortSignal;
  /** The Round's logger (already bound to `workorder_id` and `round_id`). */
  logger: Logger;
  artifacts: ArtifactStore;
  ledger: TokenLedger;
  /** Called with each artifact the plugin writes. */
  onArtifact: (ref: ArtifactRef) => void;
  /** Called with each line the plugin logs. */
  onLog: (event: LogEvent) => void;
  /** Milliseconds `ctx.exec` waits between SIGTERM and SIGKILL. */
  killGraceMs?: number;
  /** `ctx.dataDir`: where plugins keep files of their own (`SC_DATA_DIR`), absolute. */
  dataDir: string;
  /** Called after each token report the ledger accepted (the runner checks the budget there). */
  onTokens?: () => void;
  /** The process's model gateway; without it `ctx.openModelRoute` rejects. */
  gateway?: ModelGateway;
  /** How commands asking for a sandbox run. */
  sandbox: SandboxRuntime;
  /** Told when a model answers an agent with a rate or usage limit, and when it resets if it says. */
  onRateLimited?: (resetAt: Date | undefined, agent: string) => void;
}

// A plugin's log line is cut to this many characters (a plugin may log a whole file as one line), and
// only the first lines of a phase are streamed as events: each is a queue job in Redis and a message to every
// follower. Every line still goes to the JSON-lines log.
const maxLogMessageChars = 8 * 1024;
const maxStreamedLogLines = 1_000;

/** The {@link PluginContext} of one phase: logs, tokens and artifacts of the plugin flow into the Round. */
export function createPhaseContext(options: PhaseContextOptions): PluginContext {
  const { job, phase, signal } = options;
  const log = options.logger.child({ phase, source: 'plugin' });
  const key = { roundId: job.round_id, attempt: job.attempt };
  const reportTokens = (usage: UsageReport) => {
    options.ledger.add(usage);
    options.onTokens?.();
  };
  let streamedLines = 0;
  const stream = (level: LogEvent['level'], message: string, agent: unknown) => {
    streamedLines++;
    if (streamedLines > maxStreamedLogLines + 1) return;
    if (streamedLines > maxStreamedLogLines)
      message = `more than ${maxStreamedLogLines} log lines in phase ${phase}: the rest is in the worker's log only`;
    const about = typeof agent === 'string' && streamedLines <= maxStreamedLogLines ? { agent } : {};
    options.onLog({
      type: 'log',
      round_id: job.round_id,
      attempt: job.attempt,
      level: streamedLines > maxStreamedLogLines ? 'warn' : level,
      message,
      phase,
      ...about,
      at: new Date().toISOString(),
    });
  };
  return {
    phase,
    attempt: job.attempt,
    roundId: job.round_id,
    workorderId: job.workorder_id,
    signal,
    dataDir: options.dataDir,
    logger: createPluginLogger((level, message, fields) => {
      const line = message.length > maxLogMessageChars ? `${message.slice(0, maxLogMessageChars)}…` : message;
      log[level](fields, line);
      stream(level, line, fields.agent);
    }),
    reportTokens,
    tokenUsage: () => options.ledger.totals(),
    ...(job.resume_from ? { resumeFrom: job.resume_from } : {}),
    ...(job.follow_up ? { followUp: job.follow_up } : {}),
    readArtifact: (attempt, name) => options.artifacts.get({ roundId: job.round_id, attempt }, name),
    openModelRoute: async ({ provider, agent, onActivity }) => {
      if (!options.gateway) throw new Error('this host runs no model gateway');
      const route = await options.gateway.open({
        provider,
        agent,
        onUsage: (usage) => {
          // Called from an answer streaming through the gateway: a throw here would end the process.
          try {
            reportTokens(usage);
          } catch (error) {
            log.warn({ agent, reason: (error as Error).message }, 'token usage refused');
          }
        },
        refusal: () => options.ledger.budgetExceeded(),
        onRefused: (reason) => log.warn({ agent, provider, reason }, 'model call refused'),
        onRateLimited: (resetAt) => options.onRateLimited?.(resetAt, agent),
        onActivity,
      });
      // A route never outlives its phase, whatever the plugin does.
      signal.addEventListener('abort', () => void route.close(), { once: true });
      return route;
    },
    writeArtifact: async (name, data) => {
      const ref = await options.artifacts.put(key, name, data);
      options.onArtifact(ref);
      return ref;
    },
    exec: sandboxedExec(bindExec(signal, options.killGraceMs), options.sandbox, options.gateway, (what) =>
      log.warn({ limit: what }, `an agent reached ${what} and was stopped`),
    ),
  };
}
