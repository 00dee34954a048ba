#!/usr/bin/env node
// The `sc` entry point. The commands are compiled to dist/apps/cli/src/commands (see the "oclif" section of
// the root package.json), so oclif is pointed at the repository root, where that package.json lives.
const { join } = require('node:path');

void require('@oclif/core').execute({ dir: join(__dirname, '..', '..', '..') });
