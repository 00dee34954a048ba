import type { Plugin } from './plugin';

/**
 * Declares a plugin; export the result as the module's default export (or as `plugin`).
 *
 * ```ts
 * export default definePlugin({
 *   name: 'hello', version: '1.0.0', apiVersion: SDK_API_VERSION,
 *   async handle(order, ctx) { return { summary: `hello from ${ctx.phase}` }; },
 * });
 * ```
 * The registry checks the shape and the `apiVersion` when it loads the module.
 */
export function definePlugin(plugin: Plugin): Plugin {
  return Object.freeze({ ...plugin });
}
