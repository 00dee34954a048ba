#!/usr/bin/env node
// The `sc` entry point. The commands are compiled to dist/apps/cli/src/commands (see the "oclif" section of
// the root package.json), so oclif is pointed at the repository root, where that package.json lives. oclif
// itself is loaded from the bundle that `npm run build` writes (dist/apps/cli/src/oclif-bundle.js says why).
const { enableCompileCache } = require('node:module');
const { join } = require('node:path');

const root = join(__dirname, '..', '..', '..');
// Node 22+: V8 keeps the compiled code of every module sc loads in dist/.compile-cache. Node 20 has no such
// switch; there the oclif bundle is cached by hand (dist/apps/cli/src/code-cache.js, the Node 20 path).
enableCompileCache?.(join(root, 'dist', '.compile-cache'));
const { loadOclifCore } = require(join(root, 'dist', 'apps', 'cli', 'src', 'oclif-bundle'));

void loadOclifCore().execute({ dir: root });
