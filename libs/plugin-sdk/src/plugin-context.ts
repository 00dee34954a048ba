import type { AgentSelection, AgentSession, ArtifactRef, ResumeFrom, TokenUsage, ToolRefusal } from '@sc/schemas';
import type { ContextExecOptions, ExecResult } from './exec';

/**
 * Writes one log line of the Round, pino style: `log.info({ exit_code }, 'tests finished')` or
 * `log.info('tests finished')`. Lines land in the JSON-lines log (with `workorder_id` and `round_id`) and in
 * the Round's live event stream.
 */
export interface PluginLogFn {
  (fields: Record<string, unknown>, message?: string): void;
  (message: string): void;
}

/** The logger a plugin gets: bound to its Round and phase. */
export interface PluginLogger {
  debug: PluginLogFn;
  info: PluginLogFn;
  warn: PluginLogFn;
  error: PluginLogFn;
}

/** What a plugin's `handle()` receives besides the work-order: everything it may touch during one phase. */
export interface PluginContext {
  /** The phase being run (`coding`, `testing`, …), one of the work-order's `phases`. */
  readonly phase: string;
  /** 1 for a Round's first attempt; each retry adds one. */
  readonly attempt: number;
  readonly roundId: string;
  readonly workorderId: string;
  /**
   * Aborts when the phase times out or the Round is cancelled (`signal.reason` says which). Pass it to
   * `fetch()`, timers and anything else that waits; {@link PluginContext.exec} already uses it.
   */
  readonly signal: AbortSignal;
  readonly logger: PluginLogger;
  /**
   * The worker's data directory (`SC_DATA_DIR`), absolute. A plugin may keep files of its own under it
   * (git worktrees, caches), in a folder named after itself or after what it holds; the Round's results go
   * through {@link PluginContext.writeArtifact} instead. Since API 1.1.
   */
  readonly dataDir: string;
  /**
   * Adds token usage (and, when the agent's provider states it, its cost) to the Round's Report; calls for
   * the same agent and model are summed. When the Round's total passes the work-order's `budget`, the
   * phase's signal aborts and the Round ends `failure` with an error starting `budget_exceeded`.
   */
  reportTokens(usage: UsageReport): void;
  /**
   * The attempt's token usage so far, per agent and model, with costs as the Report will state them (`cost_usd`
   * `null` while a model's price is unknown): what every agent spent, e.g. to choose the cheapest. Since API 1.5.
   */
  tokenUsage(): TokenUsage[];
  /**
   * Stores a file of the Round (under the worker's artifact store) and lists it in the Report. `name` is a
   * relative path such as `params.json` or `logs/test.txt`; `..` and absolute paths are refused. Writing the
   * same name again replaces the file.
   */
  writeArtifact(name: string, data: string | Uint8Array): Promise<ArtifactRef>;
  /**
   * Runs `command` with `args` (no shell) in its own process group, bound to {@link PluginContext.signal}:
   * on abort the whole group gets SIGTERM, then SIGKILL after the grace period. Resolves when the process
   * and its group are gone; a non-zero exit is a result, not an error.
   */
  exec(command: string, args: readonly string[], options?: ContextExecOptions): Promise<ExecResult>;
  /** Runs a command line through `/bin/sh -c`, otherwise like the form with `args`. */
  exec(commandLine: string, options?: ContextExecOptions): Promise<ExecResult>;
  /**
   * The attempt this one continues, when it is a retry that resumes the agents' sessions (since API 1.2): their
   * ids, and the names of that attempt's transcript artifacts ({@link PluginContext.readArtifact}).
   */
  readonly resumeFrom?: ResumeFrom;
  /**
   * What this attempt is asked to do besides the work-order's instructions: a pull request's review, an
   * `/sc fix` comment or a failed check (its job's name and log tail). Absent on an ordinary attempt (since API 1.4).
   */
  readonly followUp?: string;
  /** The bytes of artifact `name` of an attempt of this Round, or undefined when it has none (since API 1.2). */
  readArtifact(attempt: number, name: string): Promise<Uint8Array | undefined>;
  /**
   * Opens a route of the host's model gateway for one agent (since API 1.2): the agent's model calls go
   * through it, are counted as they stream, and stop at the budget. Close it when the agent is done.
   */
  openModelRoute(request: ModelRouteRequest): Promise<ModelRoute>;
}

/**
 * One report of token usage: counts since the previous report of the same agent and model, not running
 * totals. `input` excludes cache reads and writes, which have counts of their own (since API 1.2).
 * `cost_usd` (since API 1.1) is what those tokens cost: left out, the host prices them from its price table;
 * `null` (since API 1.2) says the price is unknown. It adds to the Report's `cost_usd` and counts against
 * `budget.max_cost_usd`.
 */
export type UsageReport = TokenUsage;

/** The model APIs a {@link ModelRoute} speaks: Anthropic Messages, OpenAI Responses, Gemini. */
export type ModelProvider = 'anthropic' | 'openai' | 'gemini';

/** What {@link PluginContext.openModelRoute} opens a route for. */
export interface ModelRouteRequest {
  provider: ModelProvider;
  /** The agent whose calls the route meters (its usage is reported under this name). */
  agent: string;
  /** Called as each call starts and as its answer streams: the agent is not idle (since API 1.2). */
  onActivity?: () => void;
}

/**
 * A per-agent endpoint of the host's model gateway on loopback (since API 1.2). Point the agent's CLI at
 * `baseUrl` with `apiKey` (a placeholder: the gateway holds the real key); the gateway forwards each call
 * to the upstream the host is configured with, reports every answer's usage as it streams, and refuses
 * calls once the Round's budget is used up.
 */
export interface ModelRoute {
  /** e.g. `http://127.0.0.1:43121/r/<token>`; the CLI appends its usual paths (`/v1/messages`, …). */
  readonly baseUrl: string;
  readonly apiKey: string;
  /** Stops accepting calls on this route; calls in flight are cut. */
  close(): Promise<void>;
}

/** What `handle()` may return; returning nothing means success. */
export interface PhaseOutcome {
  /** One paragraph for the Report; the last phase that returns one sets the Report's summary. */
  summary?: string;
  /** Defaults to `success`, or `failure` when `exitCode` is a non-zero number; `timeout` since API 1.2. */
  status?: 'success' | 'failure' | 'timeout';
  /** Why the phase did not succeed, for the Report (since API 1.2). */
  error?: string;
  /** The exit code recorded for the phase (e.g. of the agent or test command). */
  exitCode?: number | null;
  /** Commits the phase made, listed in the Report. */
  commits?: { sha: string; branch?: string; message?: string }[];
  /** Tool calls an agent asked for and its CLI refused, listed in the phase's result (since API 1.2). */
  refusals?: ToolRefusal[];
  /** The agents' sessions the phase ran, listed in the Report with the attempt (since API 1.2). */
  sessions?: Omit<AgentSession, 'attempt'>[];
  /**
   * How the agents of a `select: "best"` work-order compared: the winner and the others with their results,
   * branches and costs, copied to the Report's `selection` (since API 1.5).
   */
  selection?: AgentSelection;
}

/** The levels of a {@link PluginLogger}. */
export type PluginLogLevel = keyof PluginLogger;

/**
 * Builds a {@link PluginLogger} from one sink that receives every line with its level, message and fields.
 * For hosts that give plugins a context (the runner, {@link createTestContext}); plugins just use
 * `ctx.logger`.
 */
export function createPluginLogger(
  write: (level: PluginLogLevel, message: string, fields: Record<string, unknown>) => void,
): PluginLogger {
  const at =
    (level: PluginLogLevel): PluginLogFn =>
    (fieldsOrMessage: Record<string, unknown> | string, message?: string) =>
      typeof fieldsOrMessage === 'string'
        ? write(level, fieldsOrMessage, {})
        : write(level, message ?? '', fieldsOrMessage);
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
