#!/usr/bin/env node
// Test-only: installs the pinned agent CLIs from the npm registry into a cache folder, once per set of
// versions. They are not dependencies of Solar Circuit; the end-to-end suites run them against the
// project's fake model servers. Prints the folder whose bin/ holds claude, codex and gemini.
// A machine that cannot reach the registry gets one line, and the suites that need the CLIs say they skip.
'use strict';
const { execFileSync } = require('node:child_process');
const { existsSync, mkdirSync, rmSync, renameSync, writeFileSync } = require('node:fs');
const { createHash } = require('node:crypto');
const { homedir } = require('node:os');
const { join } = require('node:path');

// Bump a pin in agent-cli-pins.json to test a new CLI release (the worker image installs the same pins); the
// cache folder is named by the set of pins.
const agentCliPins = require('./agent-cli-pins.json');
const cacheRoot = process.env.SC_AGENT_CLI_CACHE || join(homedir(), '.cache', 'solar-circuit');
const folder = join(
  cacheRoot,
  `agent-clis-${createHash('sha256').update(JSON.stringify(agentCliPins)).digest('hex').slice(0, 12)}`,
);
const done = join(folder, 'installed.json');
if (existsSync(done)) {
  console.log(folder);
  process.exit(0);
}
const partial = `${folder}.partial-${process.pid}`;
rmSync(partial, { recursive: true, force: true });
mkdirSync(partial, { recursive: true });
const specs = Object.entries(agentCliPins).map(([name, version]) => `${name}@${version}`);
try {
  execFileSync(
    'npm',
    ['install', '--prefix', partial, '--no-save', '--no-audit', '--no-fund', '--loglevel=error', ...specs],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  writeFileSync(join(partial, 'installed.json'), `${JSON.stringify(agentCliPins, null, 2)}\n`);
  rmSync(folder, { recursive: true, force: true });
  renameSync(partial, folder);
  console.log(folder);
} catch (error) {
  rmSync(partial, { recursive: true, force: true });
  console.error(
    `install-agent-clis: could not install ${specs.join(' ')} from the npm registry (${error.message.split('\n')[0]}); the real-CLI suites will skip`,
  );
  process.exit(0);
}
