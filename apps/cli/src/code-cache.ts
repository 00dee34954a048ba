import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Script } from 'node:vm';

/**
 * Loads the CommonJS file `file` as `require(file)` would (the same wrapper, and an entry in require.cache), with
 * V8's code cache for it kept in `cacheFile`, so that the next process neither parses nor compiles it. Node 22 has
 * `module.enableCompileCache()` for this; Node 20, which the CLI runs on too, has only vm.Script's cached data.
 *
 * The cache is written when the process exits, so it holds every function this run compiled, not only the top
 * level. V8 rejects a cache made by another V8 version or with other flags (it is then written again), but it
 * checks the source only by its length: whoever rewrites `file` deletes `cacheFile`.
 *
 * `import()` inside `file` throws ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING: on Node 20, vm's import callback is
 * experimental, and lost when the script comes from cached data. oclif imports only ES modules (commands, hooks,
 * plugins, an .mjs config), and `sc` has none.
 */
export function requireWithCodeCache(file: string, cacheFile: string): NodeJS.Module {
  const cachedData = readIfExists(cacheFile);
  const script = new Script(Module.wrap(readFileSync(file, 'utf8')), { filename: file, cachedData });
  const loaded = new Module(file, module);
  loaded.filename = file;
  require.cache[file] = loaded;
  const wrapper = script.runInThisContext() as (
    exports: unknown,
    require: NodeJS.Require,
    module: Module,
    filename: string,
    dirname: string,
  ) => void;
  wrapper(loaded.exports, createRequire(file), loaded, file, dirname(file));
  loaded.loaded = true;
  if (!cachedData || script.cachedDataRejected)
    process.once('exit', () => writeCache(cacheFile, script.createCachedData()));
  return loaded;
}

function readIfExists(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

/** Written under another name, then renamed: a process starting meanwhile reads the old cache or the new one. */
function writeCache(cacheFile: string, data: Buffer): void {
  const partial = `${cacheFile}.${process.pid}`;
  try {
    writeFileSync(partial, data);
    renameSync(partial, cacheFile);
  } catch {
    // A read-only install still runs, only without the cache.
  }
}
