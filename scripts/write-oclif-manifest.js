#!/usr/bin/env node
// Writes oclif.manifest.json after the build, so `sc --help` (and finding any command) reads one JSON file
// instead of loading every command module. It is generated, never committed: a stale one would hide commands.
const { rmSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { Config } = require('@oclif/core');

async function main() {
  const root = join(__dirname, '..');
  // Config.load reads an existing manifest whatever `ignoreManifest` says: the last build's would hide new commands.
  rmSync(join(root, 'oclif.manifest.json'), { force: true });
  const config = await Config.load({ root, ignoreManifest: true });
  const manifest = config.rootPlugin.manifest;
  writeFileSync(join(root, 'oclif.manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
}

main().catch((error) => {
  process.stderr.write(`write-oclif-manifest: ${error.message}\n`);
  process.exitCode = 1;
});
