#!/usr/bin/env node
// The `sc` entry point. The commands are compiled to dist/apps/cli/src/commands (see the "oclif" section of
// the root package.json), so oclif is pointed at the repository root, where that package.json lives. oclif
// itself is loaded from the bundle that `npm run build` writes (dist/apps/cli/src/oclif-bundle.js says why).
const { join } = require('node:path');

const root = join(__dirname, '..', '..', '..');
const { loadOclifCore } = require(join(root, 'dist', 'apps', 'cli', 'src', 'oclif-bundle'));

void loadOclifCore().execute({ dir: root });
