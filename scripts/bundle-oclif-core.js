#!/usr/bin/env node
// Bundles @oclif/core and its dependencies into the one file the `sc` entry point loads (why:
// apps/cli/src/oclif-bundle.ts). Runs after tsc, which compiled the module that names the files.
const { readFileSync, rmSync } = require('node:fs');
const { join } = require('node:path');
const { build } = require('esbuild');
const { oclifBundleFile, oclifCodeCacheFile, oclifCoreFile } = require('../dist/apps/cli/src/oclif-bundle');

/**
 * oclif sorts a manifest's commands with localeCompare, and its first call makes V8 load ICU's collation data: 13 ms,
 * a fifth of `sc --help`. For sc's command ids (lower-case words and colons) code-point order is the same order
 * (apps/cli/test/help.e2e-spec.ts checks it), so the bundle compares them that way.
 */
const localeSort = '.sort((a, b) => a.id.localeCompare(b.id))';
const codePointSort = '.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))';
const pluginModule = join('@oclif', 'core', 'lib', 'config', 'plugin.js');
let commandsSortedByCodePoint = false;
const sortCommandsByCodePoint = {
  name: 'sort-commands-by-code-point',
  setup(esbuild) {
    esbuild.onLoad({ filter: /plugin\.js$/ }, ({ path }) => {
      if (!path.endsWith(pluginModule)) return undefined;
      const source = readFileSync(path, 'utf8');
      if (!source.includes(localeSort))
        throw new Error(`${path} no longer has ${localeSort}: see scripts/bundle-oclif-core.js`);
      commandsSortedByCodePoint = true;
      return { contents: source.replace(localeSort, codePointSort), loader: 'js' };
    });
  },
};

async function main() {
  // The bundle takes the place of the file that command modules get for require('@oclif/core').
  const resolved = require.resolve('@oclif/core', { paths: [oclifBundleFile] });
  if (resolved !== oclifCoreFile)
    throw new Error(`@oclif/core resolves to ${resolved}, not ${oclifCoreFile} (apps/cli/src/oclif-bundle.ts)`);
  await build({
    entryPoints: [oclifCoreFile],
    outfile: oclifBundleFile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // Class and function names stay as in the sources (stack traces, `inspect`).
    keepNames: true,
    // oclif requires TypeScript only to run a plugin from its .ts sources: 9.5 MB that `sc` never uses.
    external: ['typescript'],
    plugins: [sortCommandsByCodePoint],
    logLevel: 'warning',
  });
  if (!commandsSortedByCodePoint) throw new Error(`${pluginModule} was not bundled: see scripts/bundle-oclif-core.js`);
  // V8 checks a code cache against the length of its source only: the previous bundle's cache must go with it.
  rmSync(oclifCodeCacheFile, { force: true });
}

main().catch((error) => {
  process.stderr.write(`bundle-oclif-core: ${error.message}\n`);
  process.exitCode = 1;
});
