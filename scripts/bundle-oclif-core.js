#!/usr/bin/env node
// Bundles @oclif/core and its dependencies into the one file the `sc` entry point loads (why:
// apps/cli/src/oclif-bundle.ts). Runs after tsc, which compiled the module that names the files.
const { rmSync } = require('node:fs');
const { build } = require('esbuild');
const { oclifBundleFile, oclifCodeCacheFile, oclifCoreFile } = require('../dist/apps/cli/src/oclif-bundle');

async function main() {
  // The bundle takes the place of the file that command modules get for require('@oclif/core').
  const resolved = require.resolve('@oclif/core', { paths: [oclifBundleFile] });
  if (resolved !== oclifCoreFile) throw new Error(`@oclif/core resolves to ${resolved}, not ${oclifCoreFile} (apps/cli/src/oclif-bundle.ts)`);
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
    logLevel: 'warning',
  });
  // V8 checks a code cache against the length of its source only: the previous bundle's cache must go with it.
  rmSync(oclifCodeCacheFile, { force: true });
}

main().catch((error) => {
  process.stderr.write(`bundle-oclif-core: ${error.message}\n`);
  process.exitCode = 1;
});
