import type { StoredWorkOrder } from '@sc/schemas';
import type { PhaseOutcome, PluginContext } from './plugin-context';

/**
 * Runs one phase of a Round. Throwing ends the phase and the Round with status `error` and the thrown
 * message (except {@link RateLimitedError}, which re-queues the attempt).
 */
export type PhaseHandler = (order: StoredWorkOrder, ctx: PluginContext) => PhaseOutcome | void | Promise<PhaseOutcome | void>;

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
}

/** A plugin: its manifest and the handler called once per phase. */
export interface Plugin extends PluginManifest {
  readonly handle: PhaseHandler;
}
