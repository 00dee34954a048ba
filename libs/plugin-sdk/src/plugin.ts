import type { ReportStatus, StoredWorkOrder } from '@sc/schemas';
import type { PhaseOutcome, PluginContext } from './plugin-context';

/**
 * Runs one phase of a Round. Throwing ends the phase and the Round with status `error` and the thrown
 * message (except {@link RateLimitedError}, which re-queues the attempt).
 */
export type PhaseHandler = (
  order: StoredWorkOrder,
  ctx: PluginContext,
) => PhaseOutcome | void | Promise<PhaseOutcome | void>;

/** How a phase's `handle()` ended, as {@link PhaseFinalizer} sees it. Since API 1.1. */
export interface PhaseEnding {
  /** The phase's status so far: `timeout`, `cancelled` and `failure` (e.g. a passed budget) included. */
  readonly status: ReportStatus;
  /** Why the phase did not succeed, when it did not. */
  readonly error?: string;
}

/** What `finalize()` may return: commits it made and a summary that replaces the phase's. Since API 1.1. */
export type FinalizeOutcome = Pick<PhaseOutcome, 'summary' | 'commits'>;

/**
 * Runs after every phase of a plugin that has one, however `handle()` ended — also after a timeout, a
 * cancel or a passed budget, when `handle()`'s signal has already aborted. Its context carries a fresh,
 * short deadline instead (`ctx.signal`), so that the plugin can still keep what the phase produced (commit
 * partial work, upload a log). Throwing turns a successful phase into `error`; after a phase that did not
 * succeed, the message is added to the phase's error. Since API 1.1.
 */
export type PhaseFinalizer = (
  order: StoredWorkOrder,
  ctx: PluginContext,
  ending: PhaseEnding,
) => FinalizeOutcome | void | Promise<FinalizeOutcome | void>;

/** Who a plugin is: the identity a registry lists and checks. */
export interface PluginManifest {
  /** The name a work-order's `plugin` field selects: lowercase letters, digits and `-`, at most 64. */
  readonly name: string;
  /** The plugin's own SemVer version. */
  readonly version: string;
  /** The plugin API version the plugin was written against; usually {@link SDK_API_VERSION}. */
  readonly apiVersion: string;
  /** One line shown by `sc plugins list`. */
  readonly description?: string;
  /**
   * A JSON Schema (draft 2020-12) that a work-order's `params` must match to run on this plugin (a missing
   * `params` is checked as `{}`). `sc validate` and a submit refuse a work-order that breaks it, naming each
   * failing `/params/…` path, before any Round starts. Since API 1.3.
   */
  readonly paramsSchema?: Readonly<Record<string, unknown>>;
}

/** A plugin: its manifest and the handler called once per phase. */
export interface Plugin extends PluginManifest {
  readonly handle: PhaseHandler;
  /** Optional: runs after each phase, even one that timed out or was cancelled. Since API 1.1. */
  readonly finalize?: PhaseFinalizer;
  /**
   * Optional: runs once per attempt before the first phase, as a phase named `setup` (its timeout
   * `phase_timeout.setup`, 30 min by default; `finalize` runs after it too). Returning nothing says there was
   * nothing to set up: the Report shows no `setup` phase. An outcome (or a throw) is recorded as that phase,
   * and a setup that does not succeed ends the Round with its status before any other phase. Since API 1.4.
   */
  readonly setup?: PhaseHandler;
}
