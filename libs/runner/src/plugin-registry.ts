import { apiVersionMismatch, findHook, semverMajor, type Plugin, type PluginManifest } from '@sc/plugin-sdk';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { AgentCliSettings } from './plugins/agent-cli/agent-cli-settings';
import { builtInPlugins } from './plugins/built-in-plugins';

/** Where a plugin came from: `built-in`, or the module name or path it was loaded from. */
export type PluginSource = 'built-in' | (string & {});

/** One loaded plugin, as `sc plugins list` shows it. */
export interface PluginInfo {
  name: string;
  version: string;
  apiVersion: string;
  description?: string;
  source: PluginSource;
}

/** A plugin the registry did not load, and why. */
export interface RefusedPlugin {
  source: PluginSource;
  /** The plugin's name, when it got far enough to have one. */
  name?: string;
  reason: string;
}

/** The registry's logger: the worker's pino logger, or anything with the same `warn`/`info`. */
export type RegistryLogger = Pick<Logger, 'warn' | 'info'>;

// The work-order schema's `plugin` pattern: a plugin with any other name could never be selected.
const pluginName = /^[a-z0-9][a-z0-9-]{0,63}$/;

/**
 * The plugins one process can run, by name. Adding a plugin checks its shape and its `apiVersion`; a
 * refused plugin is logged and kept in {@link PluginRegistry.refused}, and never stops the others.
 */
export class PluginRegistry {
  /** Every plugin that was offered and refused, in order. */
  readonly refused: RefusedPlugin[] = [];
  private readonly plugins = new Map<string, { plugin: Plugin; source: PluginSource }>();

  constructor(private readonly logger?: RegistryLogger) {}

  /**
   * Adds a plugin: a `definePlugin()` object, or a class with a `@Hook('handle')` method (created with
   * `new`). Returns the plugin, or undefined when it was refused.
   */
  register(candidate: unknown, source: PluginSource): Plugin | undefined {
    const checked = toPlugin(candidate);
    if ('reason' in checked) return this.refuse({ source, name: checked.name, reason: checked.reason });
    const { plugin } = checked;
    const existing = this.plugins.get(plugin.name);
    if (existing)
      return this.refuse({
        source,
        name: plugin.name,
        reason: `duplicate plugin name; ${existing.source} already provides "${plugin.name}"`,
      });
    this.plugins.set(plugin.name, { plugin, source });
    return plugin;
  }

  /** Records a plugin that could not be loaded at all (its module failed to import). */
  refuse(refused: RefusedPlugin): undefined {
    this.refused.push(refused);
    this.logger?.warn({ plugin: refused.name, source: refused.source, reason: refused.reason }, 'plugin refused');
    return undefined;
  }

  /** The plugin called `name`, or undefined. */
  get(name: string): Plugin | undefined {
    return this.plugins.get(name)?.plugin;
  }

  /** The names of all loaded plugins, sorted. */
  names(): string[] {
    return [...this.plugins.keys()].sort();
  }

  /**
   * Why `name` cannot run here: the plugins that can, and every refused one with its reason — a plugin whose
   * module failed to load has no name, so `unknown plugin` alone would hide that it was offered and why it failed.
   */
  unknownPluginMessage(name: string): string {
    const refusals = this.refused.map((refused) => `${refused.name ?? refused.source}: ${refused.reason}`);
    return [
      `unknown plugin "${name}"; known plugins: ${this.names().join(', ') || 'none'}`,
      ...(refusals.length ? [`refused: ${refusals.join('; ')}`] : []),
    ].join('; ');
  }

  /** All loaded plugins, sorted by name. */
  list(): PluginInfo[] {
    return this.names().map((name) => {
      const { plugin, source } = this.plugins.get(name)!;
      const info: PluginInfo = { name, version: plugin.version, apiVersion: plugin.apiVersion, source };
      if (plugin.description !== undefined) info.description = plugin.description;
      return info;
    });
  }
}

type Checked = { plugin: Plugin } | { reason: string; name?: string };

/** Turns a module's export into a {@link Plugin}, or says why it is not one. */
function toPlugin(candidate: unknown): Checked {
  if (typeof candidate === 'function') return fromClass(candidate as new () => object);
  if (typeof candidate === 'object' && candidate !== null && typeof (candidate as Plugin).handle === 'function') {
    const { handle, finalize, setup } = candidate as Plugin;
    if (finalize !== undefined && typeof finalize !== 'function')
      return { reason: 'finalize must be a function', name: nameOf(candidate) };
    if (setup !== undefined && typeof setup !== 'function')
      return { reason: 'setup must be a function', name: nameOf(candidate) };
    return checkManifest(candidate as Plugin, { handle, finalize, setup });
  }
  return { reason: 'exports neither a definePlugin() object nor a class with a @Hook("handle") method' };
}

function fromClass(PluginClass: new () => object): Checked {
  let instance: object;
  try {
    instance = new PluginClass();
  } catch (error) {
    return { reason: `constructor threw: ${(error as Error).message}` };
  }
  const handle = findHook(instance, 'handle');
  if (!handle) return { reason: `class ${PluginClass.name} has no @Hook("handle") method`, name: nameOf(instance) };
  return checkManifest(instance as PluginManifest, {
    handle,
    finalize: findHook(instance, 'finalize'),
    setup: findHook(instance, 'setup'),
  });
}

function checkManifest(manifest: PluginManifest, hooks: Pick<Plugin, 'handle' | 'finalize' | 'setup'>): Checked {
  const { name, version, apiVersion, description, paramsSchema } = manifest;
  if (typeof name !== 'string' || !pluginName.test(name))
    return { reason: `name ${JSON.stringify(name)} must match ${pluginName.source}` };
  if (typeof version !== 'string' || semverMajor(version) === undefined) {
    return { name, reason: `version ${JSON.stringify(version)} is not a SemVer version` };
  }
  if (typeof apiVersion !== 'string') return { name, reason: 'apiVersion is missing' };
  const mismatch = apiVersionMismatch(apiVersion);
  if (mismatch) return { name, reason: mismatch };
  if (description !== undefined && typeof description !== 'string')
    return { name, reason: 'description must be a string' };
  if (
    paramsSchema !== undefined &&
    (typeof paramsSchema !== 'object' || paramsSchema === null || Array.isArray(paramsSchema))
  ) {
    return { name, reason: 'paramsSchema must be a JSON Schema object' };
  }
  const plugin: Plugin = {
    name,
    version,
    apiVersion,
    handle: hooks.handle,
    ...(hooks.finalize === undefined ? {} : { finalize: hooks.finalize }),
    ...(hooks.setup === undefined ? {} : { setup: hooks.setup }),
    ...(description === undefined ? {} : { description }),
    ...(paramsSchema === undefined ? {} : { paramsSchema }),
  };
  return { plugin: Object.freeze(plugin) };
}

function nameOf(value: object): string | undefined {
  const name = (value as { name?: unknown }).name;
  return typeof name === 'string' ? name : undefined;
}

/** Options of {@link discoverPlugins}. */
export interface DiscoverPluginsOptions {
  /** Module names or paths to load (`SC_PLUGINS`), resolved from `cwd`. */
  modules?: readonly string[];
  /** Where module names, relative paths and the project's `package.json` are looked up (default: the process's). */
  cwd?: string;
  logger?: RegistryLogger;
  /** Whether to add the built-in plugins, `echo`, `shell` and `agent-cli` (default true). */
  includeBuiltIns?: boolean;
  /** The host's settings of `agent-cli` (`SC_CACHE_MAX_GB`, `SC_PORT_COUNT`; default: the defaults). */
  agentCli?: AgentCliSettings;
}

/**
 * Builds the registry a process runs with: the built-in plugins, then each module of `modules`
 * (`SC_PLUGINS`), then each module of the `sc.plugins` list in `<cwd>/package.json`. A module that fails
 * to load or exports no valid plugin is refused with its reason; the rest still load.
 */
export async function discoverPlugins(options: DiscoverPluginsOptions = {}): Promise<PluginRegistry> {
  const cwd = options.cwd ?? process.cwd();
  const registry = new PluginRegistry(options.logger);
  if (options.includeBuiltIns !== false)
    for (const plugin of builtInPlugins(options.agentCli)) registry.register(plugin, 'built-in');
  const projectModules = await readProjectPlugins(cwd, registry);
  for (const specifier of [...(options.modules ?? []), ...projectModules]) await loadModule(specifier, cwd, registry);
  options.logger?.info({ plugins: registry.names(), refused: registry.refused.length }, 'plugins loaded');
  return registry;
}

/** The `sc.plugins` list of `<cwd>/package.json`; none when there is no such file. */
async function readProjectPlugins(cwd: string, registry: PluginRegistry): Promise<string[]> {
  const file = join(cwd, 'package.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return [];
  }
  try {
    const plugins = (JSON.parse(text) as { sc?: { plugins?: unknown } }).sc?.plugins;
    if (plugins === undefined) return [];
    if (!Array.isArray(plugins) || !plugins.every((entry) => typeof entry === 'string'))
      throw new Error('sc.plugins must be a list of module names or paths');
    return plugins;
  } catch (error) {
    registry.refuse({ source: file, reason: (error as Error).message });
    return [];
  }
}

async function loadModule(specifier: string, cwd: string, registry: PluginRegistry): Promise<void> {
  let loaded: unknown;
  try {
    const resolved = require.resolve(specifier, { paths: [cwd] });
    // import() (not require) so that ES-module plugins load too.
    loaded = await import(resolved);
  } catch (error) {
    registry.refuse({ source: specifier, reason: `cannot load: ${(error as Error).message.split('\n')[0]}` });
    return;
  }
  registry.register(pluginExport(loaded), specifier);
}

/**
 * The plugin a module exports: its default export or its `plugin` export. `import()` of a CommonJS module
 * compiled from `export default` nests the plugin one `default` deeper, which is looked at too.
 */
function pluginExport(loaded: unknown): unknown {
  const module = loaded as { default?: { default?: unknown; plugin?: unknown }; plugin?: unknown };
  const candidates = [module.default?.default, module.default?.plugin, module.default, module.plugin];
  return (
    candidates.find(
      (value) => typeof value === 'function' || (typeof value === 'object' && value !== null && 'handle' in value),
    ) ?? loaded
  );
}
