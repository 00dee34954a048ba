import {
  DEFAULT_KILL_GRACE_MS,
  isRateLimitedError,
  RateLimitedError,
  type PhaseEnding,
  type PhaseFinalizer,
  type PhaseOutcome,
  type Plugin,
  type PluginContext,
} from '@sc/plugin-sdk';
import {
  phaseTimeoutMs,
  type LogEvent,
  type PhaseEvent,
  type PhaseResult,
  type Report,
  type WorkOrderJob,
} from '@sc/schemas';
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import type { ArtifactStore } from './artifacts/artifact-store';
import {
  BudgetExceededError,
  formatMs,
  reasonOf,
  PhaseTimeoutError,
  RateLimitBackoffError,
  RateLimitExhaustedError,
} from './errors';
import { createPhaseContext } from './phase-context';
import { maxErrorLength, RoundRecorder, truncate, type RoundRecorderOptions } from './round-recorder';
import type { ModelGateway } from './model-gateway/model-gateway';
import { SandboxRuntime } from './sandbox/sandbox-runtime';
import type { PluginRegistry } from './plugin-registry';
import type { ModelPrices } from './pricing/model-prices';
import type { LedgerStore } from './token-ledger';

/** What {@link runRound} runs with. */
export interface RunRoundOptions extends RoundRecorderOptions {
  registry: PluginRegistry;
  /** Aborting it cancels the Round: the running phase is stopped and the Report says `cancelled`. */
  signal?: AbortSignal;
  /** The Round's logger, bound to `workorder_id` and `round_id` by the caller. */
  logger: Logger;
  /** Who runs the Round (host name and pid), copied to the Report's `worker`. */
  worker: string;
  artifacts: ArtifactStore;
  /** Phase progress and plugin log lines, as they happen. A throwing listener is logged and ignored. */
  onEvent?: (event: PhaseEvent | LogEvent) => void;
  /** Milliseconds between SIGTERM and SIGKILL for the plugin's processes (default 5000). */
  killGraceMs?: number;
  /**
   * How long a plugin may take to return once its phase was aborted, before the runner stops waiting for it
   * (default: the kill grace plus 15 s, enough for `exec()` to take its process group down).
   */
  settleMs?: number;
  /**
   * The data directory plugins keep their own files in (`SC_DATA_DIR`, given to them as `ctx.dataDir`).
   * Default: `./data` of the process, the design's default for `SC_DATA_DIR`.
   */
  dataDir?: string;
  /** How long a plugin's `finalize` hook may run after each phase (default 30 s). */
  finalizeMs?: number;
  /** The process's model gateway, for `ctx.openModelRoute` (agents' model calls, metered and budgeted). */
  gateway?: ModelGateway;
  /** What usage reported without a cost is priced with (default: the built-in table). */
  prices?: ModelPrices;
  /** Where the attempt's ledger is kept as it grows, and restored from when a killed run is taken over. */
  ledgerStore?: LedgerStore;
  /** How agents' commands are confined (default: decided from this process's environment and machine). */
  sandbox?: SandboxRuntime;
  /**
   * A model's rate or usage limit that resets at least this far away (`SC_WAIT_MIN_S`, default 60 s) pauses
   * the attempt: its work is committed and {@link RateLimitedError} hands it back until the reset. A nearer
   * reset is left to the agent's CLI, which retries by itself.
   */
  waitMinMs?: number;
}

// setTimeout fires at once for delays above 2^31-1 ms (~24.8 days); longer timeouts are capped to it.
const maxTimerMs = 2 ** 31 - 1;
// The Report lists this many refused tool calls per phase; the log has all of them.
const maxRefusals = 100;
// Enough to `git add -A && git commit` a few worktrees, short enough that a cancel still ends soon.
const defaultFinalizeMs = 30_000;
const defaultWaitMinMs = 60_000;
// A rate limit without a reset time: the CLIs retry a few times by themselves; from the third such answer in a
// phase (with no answered call between) the attempt waits instead — SC_WAIT_MIN_S, then twice as long each time
// up to 30 min, five times — and then the phase fails.
const unresetLimitsBeforeWait = 3;
const maxBackoffWaits = 5;
const maxBackoffMs = 30 * 60_000;
const pauseGraceMs = 1000;

/**
 * Runs one attempt of a Round in-process and returns its Report (valid against `report@1.json`). Phases
 * run in order, each with its own timeout; the first phase that does not succeed ends the Round with its
 * status. A plugin's failure is a Report, never a thrown error — except {@link RateLimitedError}, which is
 * rethrown so that the caller can run the attempt again later.
 */
export async function runRound(job: WorkOrderJob, options: RunRoundOptions): Promise<Report> {
  const round = new RoundRecorder(job, options);
  await round.ledger.restore();
  const plugin = options.registry.get(job.order.plugin);
  if (!plugin) return round.finish('error', options.registry.unknownPluginMessage(job.order.plugin));
  const setup: [string, PhaseHook][] = plugin.setup ? [['setup', 'setup']] : [];
  for (const [phase, hook] of [...setup, ...job.order.phases.map((phase): [string, PhaseHook] => [phase, 'handle'])]) {
    if (options.signal?.aborted)
      return round.finish('cancelled', `cancelled before phase ${phase}: ${reasonOf(options.signal)}`);
    const result = await runPhase(plugin, phase, round, options, hook);
    if (result && result.status !== 'success') return round.finish(result.status, result.error);
  }
  return round.finish('success');
}

/** The plugin hook a phase runs: `setup` before the work-order's phases, `handle` for each of them. */
type PhaseHook = 'handle' | 'setup';

/**
 * Runs one phase through the plugin's `handle` (or, for `setup`, its `setup` hook) and its `finalize`, and
 * records it. A `setup` hook that returns nothing did nothing: no result, no events, no finalize.
 */
async function runPhase(
  plugin: Plugin,
  phase: string,
  round: RoundRecorder,
  options: RunRoundOptions,
  hook: PhaseHook,
): Promise<PhaseResult | undefined> {
  const { job, logger } = round;
  const handler = hook === 'setup' ? plugin.setup! : plugin.handle;
  const timeoutMs = phaseTimeoutMs(job.order, phase);
  const timeout = new AbortController();
  const budget = new AbortController();
  const rateLimit = new AbortController();
  // The pause decided on, and the timer that stops the agents for it a moment later.
  let pause: RateLimitedError | undefined;
  let pauseTimer: NodeJS.Timeout | undefined;
  const timer = setTimeout(
    () => timeout.abort(new PhaseTimeoutError(phase, timeoutMs)),
    Math.min(timeoutMs, maxTimerMs),
  );
  const signal = AbortSignal.any([
    timeout.signal,
    budget.signal,
    rateLimit.signal,
    ...(options.signal ? [options.signal] : []),
  ]);
  const killGraceMs = options.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
  const settleMs = options.settleMs ?? killGraceMs + 15_000;
  const stopWhenOverBudget = () => {
    const exceeded = round.ledger.budgetExceeded();
    if (exceeded === undefined || budget.signal.aborted) return;
    logger.warn({ phase, reason: exceeded }, 'budget exceeded');
    budget.abort(new BudgetExceededError(exceeded));
  };
  const waitMinMs = options.waitMinMs ?? defaultWaitMinMs;
  let unresetLimits = 0;
  const pauseForRateLimit = (resetAt: Date | undefined, agent: string) => {
    if (pause || budget.signal.aborted) return;
    if (!resetAt) return backOff(agent);
    const waitMs = resetAt.getTime() - Date.now();
    if (waitMs < waitMinMs) return;
    logger.warn({ phase, agent, reset_at: resetAt.toISOString() }, 'model rate limited: the Round waits');
    pauseAgents(new RateLimitedError(waitMs, `rate_limited until ${resetAt.toISOString()} (${agent})`));
  };
  const backOff = (agent: string) => {
    if (++unresetLimits < unresetLimitsBeforeWait) return;
    const waits = job.rate_limit_waits ?? 0;
    if (waits >= maxBackoffWaits) {
      logger.warn({ phase, agent, waits }, 'model rate limited without a reset time after every wait: the phase fails');
      return budget.abort(
        new RateLimitExhaustedError(
          `rate_limited: the model kept answering with a rate limit and no reset time (${agent}), also after ${waits} waits`,
        ),
      );
    }
    const waitMs = Math.min(waitMinMs * 2 ** waits, maxBackoffMs);
    const until = new Date(Date.now() + waitMs).toISOString();
    logger.warn({ phase, agent, wait_ms: waitMs, waits }, 'model rate limited without a reset time: the Round waits');
    pauseAgents(
      new RateLimitBackoffError(
        waitMs,
        `rate_limited until ${until} (${agent}; no reset time given: wait ${waits + 1} of ${maxBackoffWaits})`,
      ),
    );
  };
  // The CLIs keep their transcripts through a write queue flushed every so often (Claude Code: 100 ms) and may not
  // flush it when stopped: stopped the instant the limit's answer arrives, an agent's last turn may be missing from
  // the session the next run continues (seen: 1 run in 2).
  const pauseAgents = (error: RateLimitedError) => {
    pause = error;
    pauseTimer = setTimeout(() => rateLimit.abort(error), pauseGraceMs);
  };
  const dataDir = resolve(options.dataDir ?? 'data');
  const contextFor = (phaseSignal: AbortSignal) =>
    createPhaseContext({
      job,
      phase,
      signal: phaseSignal,
      logger,
      killGraceMs,
      dataDir,
      artifacts: options.artifacts,
      ledger: round.ledger,
      onArtifact: (ref) => round.addArtifact(ref),
      onLog: (event) => round.emit(event),
      onTokens: () => {
        // An answered call: the model is not refusing every call any more.
        unresetLimits = 0;
        stopWhenOverBudget();
      },
      gateway: options.gateway,
      sandbox: options.sandbox ?? defaultSandbox(dataDir),
      onRateLimited: pauseForRateLimit,
    });
  const startedAt = new Date().toISOString();
  const started = () =>
    round.emit({ type: 'phase', round_id: job.round_id, attempt: job.attempt, phase, state: 'started', at: startedAt });
  // Setup is announced once it turned out to have something to do (its log lines stream meanwhile).
  if (hook === 'handle') started();
  logger.info({ phase, plugin: plugin.name, timeout_ms: timeoutMs }, 'phase started');
  let settled: Settled;
  try {
    const ctx = contextFor(signal);
    settled = await settle(() => handler(job.order, ctx), signal, settleMs);
  } finally {
    clearTimeout(timer);
    clearTimeout(pauseTimer);
  }
  if (hook === 'setup') {
    if ('outcome' in settled && settled.outcome === undefined && !signal.aborted) return undefined;
    started();
  }
  // A phase that succeeded within the pause's grace has nothing left to wait for.
  const limited =
    pause && (rateLimit.signal.aborted || classify(settled, signal).status !== 'success')
      ? pause
      : 'error' in settled && isRateLimitedError(settled.error) && !signal.aborted
        ? settled.error
        : undefined;
  if (limited) {
    logger.warn({ phase, retry_after_ms: limited.retryAfterMs }, 'phase rate limited');
    // The work so far is kept (committed) before the attempt is handed back to wait.
    if (plugin.finalize && pause) {
      const finalize = plugin.finalize;
      await finalizePhase(
        (ctx, phaseEnding) => finalize(job.order, ctx, phaseEnding),
        { status: 'cancelled', exit_code: null, error: limited.message },
        round,
        contextFor,
        options.finalizeMs ?? defaultFinalizeMs,
        settleMs,
      );
    }
    throw limited;
  }
  let ending = classify(settled, signal);
  if ('outcome' in settled && settled.outcome) round.addOutcome(settled.outcome);
  if (plugin.finalize) {
    const finalize = plugin.finalize;
    ending = await finalizePhase(
      (ctx, phaseEnding) => finalize(job.order, ctx, phaseEnding),
      ending,
      round,
      contextFor,
      options.finalizeMs ?? defaultFinalizeMs,
      settleMs,
    );
  }
  const exceeded = round.ledger.budgetExceeded();
  // Tokens reported right before handle() returned (or by finalize) may pass the budget without an abort.
  if (ending.status === 'success' && exceeded !== undefined)
    ending = { status: 'failure', exit_code: ending.exit_code, error: exceeded };
  const result: PhaseResult = { name: phase, ...ending, started_at: startedAt, finished_at: new Date().toISOString() };
  const refusals = 'outcome' in settled ? settled.outcome?.refusals : undefined;
  if (refusals?.length) result.refusals = refusals.slice(0, maxRefusals);
  round.addPhase(result);
  round.emit({
    type: 'phase',
    round_id: job.round_id,
    attempt: job.attempt,
    phase,
    state: 'finished',
    result,
    at: result.finished_at,
  });
  logger.info({ phase, status: result.status, exit_code: result.exit_code, error: result.error }, 'phase finished');
  return result;
}

type Ending = Pick<PhaseResult, 'status' | 'exit_code' | 'error'>;

/**
 * Runs the plugin's `finalize` hook under a fresh deadline of its own: the phase's signal may already have
 * aborted (timeout, cancel, budget), and this is the plugin's chance to keep what the phase produced. What
 * it returns joins the Report; a throwing or hanging finalizer turns a successful phase into `error` and is
 * added to the error of one that did not succeed.
 */
async function finalizePhase(
  finalize: (ctx: PluginContext, ending: PhaseEnding) => ReturnType<PhaseFinalizer>,
  ending: Ending,
  round: RoundRecorder,
  contextFor: (signal: AbortSignal) => PluginContext,
  finalizeMs: number,
  settleMs: number,
): Promise<Ending> {
  const deadline = new AbortController();
  const timer = setTimeout(
    () => deadline.abort(new Error(`finalize did not finish within ${formatMs(finalizeMs)}`)),
    Math.min(finalizeMs, maxTimerMs),
  );
  let settled: Settled;
  try {
    const ctx = contextFor(deadline.signal);
    const phaseEnding: PhaseEnding =
      ending.error === undefined ? { status: ending.status } : { status: ending.status, error: ending.error };
    settled = await settle(() => finalize(ctx, phaseEnding), deadline.signal, settleMs);
  } finally {
    clearTimeout(timer);
  }
  if ('outcome' in settled) {
    if (settled.outcome) round.addOutcome(settled.outcome);
    return ending;
  }
  const problem = `finalize failed: ${'error' in settled ? messageOf(settled.error) : reasonOf(deadline.signal)}`;
  round.logger.error({ reason: problem }, 'phase finalize failed');
  if (ending.status === 'success')
    return { status: 'error', exit_code: ending.exit_code, error: truncate(problem, maxErrorLength) };
  return { ...ending, error: truncate(`${ending.error ?? ending.status}; ${problem}`, maxErrorLength) };
}

type Settled = { outcome: PhaseOutcome | void } | { error: unknown } | { abandoned: true };

/**
 * Waits for the handler; once `signal` aborts, waits at most `settleMs` more, so that a plugin ignoring
 * its signal cannot hold the Round forever.
 */
async function settle(
  handle: () => PhaseOutcome | void | Promise<PhaseOutcome | void>,
  signal: AbortSignal,
  settleMs: number,
): Promise<Settled> {
  const handled = Promise.resolve()
    .then(handle)
    .then(
      (outcome): Settled => ({ outcome }),
      (error: unknown): Settled => ({ error }),
    );
  let timer: NodeJS.Timeout | undefined;
  let giveUp: () => void = () => undefined;
  const abandoned = new Promise<Settled>((resolve) => {
    giveUp = () => {
      timer = setTimeout(() => resolve({ abandoned: true }), settleMs);
    };
    if (signal.aborted) giveUp();
    else signal.addEventListener('abort', giveUp, { once: true });
  });
  try {
    return await Promise.race([handled, abandoned]);
  } finally {
    // The signal outlives the phase (a cancel of the Round aborts it later): a settled phase stops listening.
    signal.removeEventListener('abort', giveUp);
    clearTimeout(timer);
  }
}

/** The status, exit code and error of a phase from how its handler ended. */
function classify(settled: Settled, signal: AbortSignal): Ending {
  const exitCode = 'outcome' in settled ? toExitCode(settled.outcome?.exitCode) : null;
  if (
    signal.aborted &&
    (signal.reason instanceof BudgetExceededError || signal.reason instanceof RateLimitExhaustedError)
  )
    return { status: 'failure', exit_code: exitCode, error: signal.reason.message };
  if (signal.aborted) {
    const isTimeout = signal.reason instanceof PhaseTimeoutError;
    return {
      status: isTimeout ? 'timeout' : 'cancelled',
      exit_code: exitCode,
      error: isTimeout ? signal.reason.message : `cancelled: ${reasonOf(signal)}`,
    };
  }
  if ('error' in settled)
    return { status: 'error', exit_code: null, error: truncate(messageOf(settled.error), maxErrorLength) };
  if (!('outcome' in settled)) return { status: 'error', exit_code: null, error: 'plugin did not return' };
  const status = settled.outcome?.status ?? (exitCode !== null && exitCode !== 0 ? 'failure' : 'success');
  if (status !== 'success' && status !== 'failure' && status !== 'timeout')
    return {
      status: 'error',
      exit_code: exitCode,
      error: `plugin returned an invalid status ${JSON.stringify(status)}`,
    };
  if (status === 'success') return { status, exit_code: exitCode };
  const stated =
    typeof settled.outcome?.error === 'string' && settled.outcome.error !== ''
      ? truncate(settled.outcome.error, maxErrorLength)
      : undefined;
  if (status === 'timeout') return { status, exit_code: exitCode, error: stated ?? 'plugin reported a timeout' };
  return {
    status,
    exit_code: exitCode,
    error:
      stated ?? (exitCode === null ? 'plugin reported failure' : `plugin reported failure (exit code ${exitCode})`),
  };
}

function toExitCode(value: unknown): number | null {
  return typeof value === 'number' && Number.isInteger(value) ? value : null;
}

const defaultSandboxes = new Map<string, SandboxRuntime>();

/** The sandbox of a host that gave none: decided once per data folder from the process's environment. */
function defaultSandbox(dataDir: string): SandboxRuntime {
  let runtime = defaultSandboxes.get(dataDir);
  if (!runtime) defaultSandboxes.set(dataDir, (runtime = SandboxRuntime.load(process.env, dataDir)));
  return runtime;
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return typeof error === 'string' ? error : 'plugin threw a non-error value';
}
