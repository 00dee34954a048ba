import type * as OclifCore from '@oclif/core';
import Module, { createRequire } from 'node:module';
import { join } from 'node:path';
import { requireWithCodeCache } from './code-cache';

/** @oclif/core and its dependencies in one file, written by `npm run build` (scripts/bundle-oclif-core.js). */
export const oclifBundleFile = join(__dirname, '..', 'oclif-core.js');
/** V8's code cache of the bundle, written by the first `sc` run after a build. */
export const oclifCodeCacheFile = `${oclifBundleFile}.v8cache`;
/**
 * The file `require('@oclif/core')` resolves to from dist/ (the build checks it). Named rather than resolved at run
 * time: resolving a package through its "exports" costs `sc --help` 5 % of its time.
 */
export const oclifCoreFile = join(
  __dirname,
  '..',
  '..',
  '..',
  '..',
  'node_modules',
  '@oclif',
  'core',
  'lib',
  'index.js',
);

/**
 * @oclif/core for the `sc` entry point: one file compiled from its code cache instead of some 160 modules to
 * resolve, read and compile, which took most of the time of `sc --help`. Command modules `require('@oclif/core')`
 * too: the bundle takes that module's place in require.cache, so they get the same Command class and Config, and
 * oclif is not loaded twice.
 */
export function loadOclifCore(): typeof OclifCore {
  const bundle = hasCompileCache()
    ? requireModule(oclifBundleFile)
    : requireWithCodeCache(oclifBundleFile, oclifCodeCacheFile);
  require.cache[oclifCoreFile] = bundle;
  return bundle.exports as typeof OclifCore;
}

/** Node 22+'s `module.enableCompileCache` (which bin/run.js turns on): then a plain require is cached by Node. */
function hasCompileCache(): boolean {
  return typeof (Module as { enableCompileCache?: unknown }).enableCompileCache === 'function';
}

function requireModule(file: string): NodeJS.Module {
  createRequire(file)(file);
  return require.cache[file]!;
}
