import type { Plugin } from '@sc/plugin-sdk';
import { createValidator, type ValidationIssue, type ValidationResult, type WorkOrder } from '@sc/schemas';
import type { PluginRegistry } from './plugin-registry';

// One compiled validator per plugin, made on its first check: most processes never check params at all.
const validators = new WeakMap<Plugin, (input: unknown) => ValidationResult<unknown>>();

/**
 * What is wrong with `params` for `plugin`, each issue at its `/params/…` path; none when the plugin declares no
 * `paramsSchema`. A missing `params` is checked as `{}`. A schema that does not compile is one issue at
 * `/params` naming the plugin, so its author sees it at `sc validate` rather than as a crash.
 */
export function checkPluginParams(plugin: Plugin, params: unknown): ValidationIssue[] {
  if (!plugin.paramsSchema) return [];
  let validate = validators.get(plugin);
  if (!validate) {
    validate = createValidator<unknown>(plugin.paramsSchema);
    validators.set(plugin, validate);
  }
  try {
    const result = validate(params ?? {});
    return result.ok ? [] : result.issues.map((issue) => ({ path: `/params${issue.path}`, message: issue.message }));
  } catch (error) {
    return [
      {
        path: '/params',
        message: `plugin ${plugin.name} declares a paramsSchema that does not compile: ${(error as Error).message}`,
      },
    ];
  }
}

/**
 * What this machine's plugins say about a schema-valid work-order (`sc validate`): its plugin must be one of them
 * (a refused one is named with its reason), and its `params` must match that plugin's `paramsSchema`.
 */
export function checkWorkOrderPlugin(
  registry: PluginRegistry,
  order: Pick<WorkOrder, 'plugin' | 'params'>,
): ValidationIssue[] {
  const name = order.plugin ?? 'echo';
  const plugin = registry.get(name);
  if (plugin) return checkPluginParams(plugin, order.params);
  const refused = registry.refused.find((entry) => entry.name === name);
  const message = refused
    ? `plugin "${name}" was refused on this machine: ${refused.reason}`
    : `is not a plugin on this machine; known plugins: ${registry.names().join(', ')}`;
  return [{ path: '/plugin', message }];
}
