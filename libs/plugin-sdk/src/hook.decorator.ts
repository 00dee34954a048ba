import type { PhaseFinalizer, PhaseHandler } from './plugin';

/**
 * The hooks a plugin class can implement: `handle` runs a phase (required), `finalize` runs after it
 * however it ended (optional, since API 1.1; see {@link PhaseFinalizer}), `setup` runs before the first
 * phase (optional, since API 1.4; see `Plugin.setup`).
 */
export type HookName = 'handle' | 'finalize' | 'setup';

/** The function type of each hook. */
export interface HookFunctions {
  handle: PhaseHandler;
  finalize: PhaseFinalizer;
  setup: PhaseHandler;
}

// Method names per hook, stored on the class prototype (legacy decorators) or on the instance (TC39
// decorators), so the SDK needs neither reflect-metadata nor Symbol.metadata.
const hooksKey = Symbol.for('solar-circuit.plugin-sdk.hooks');
type HookTable = Partial<Record<HookName, string | symbol>>;
type WithHooks = { [hooksKey]?: HookTable };

/**
 * Marks the method of a plugin class that runs a phase. Works with TypeScript's `experimentalDecorators`
 * and with standard (TC39) decorators.
 *
 * ```ts
 * export default class HelloPlugin {
 *   readonly name = 'hello';
 *   readonly version = '1.0.0';
 *   readonly apiVersion = SDK_API_VERSION;
 *   @Hook('handle')
 *   async run(order: StoredWorkOrder, ctx: PluginContext) { return { summary: 'hi' }; }
 * }
 * ```
 * The registry creates the class with `new` (no arguments) and reads `name`, `version`, `apiVersion` and
 * `description` from the instance.
 */
export function Hook(hook: HookName) {
  return function hookDecorator(target: object, keyOrContext: string | symbol | ClassMethodDecoratorContext): void {
    if (typeof keyOrContext === 'object') {
      const { name } = keyOrContext;
      keyOrContext.addInitializer(function (this: unknown) {
        recordHook(this as WithHooks, hook, name);
      });
      return;
    }
    recordHook(target, hook, keyOrContext);
  };
}

function recordHook(holder: WithHooks, hook: HookName, method: string | symbol): void {
  // A fresh table each time: a subclass must never change the table it inherited from its parent.
  Object.defineProperty(holder, hooksKey, {
    value: { ...holder[hooksKey], [hook]: method },
    configurable: true,
    writable: true,
  });
}

/** The method of `instance` marked `@Hook(hook)`, bound to it, or undefined when there is none. */
export function findHook<H extends HookName>(instance: object, hook: H): HookFunctions[H] | undefined {
  const method = (instance as WithHooks)[hooksKey]?.[hook];
  if (method === undefined) return undefined;
  const fn = (instance as Record<string | symbol, unknown>)[method];
  return typeof fn === 'function' ? (fn.bind(instance) as HookFunctions[H]) : undefined;
}
