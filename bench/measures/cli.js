// @ts-check
// `sc --help` against `node -e 0`: what the CLI costs on top of starting Node at all.
const { spawnSync } = require('node:child_process');
const { join } = require('node:path');
const { performance } = require('node:perf_hooks');
const { repoRoot } = require('../stack');
const { percentile, round } = require('../stats');

/** Median wall time of `node args` over `runs` runs, in ms; throws when the command fails. */
function medianRunMs(args, runs) {
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const startedAt = performance.now();
    const result = spawnSync(process.execPath, args, { cwd: repoRoot, stdio: 'ignore', env: { PATH: process.env.PATH, HOME: process.env.HOME } });
    samples.push(performance.now() - startedAt);
    if (result.status !== 0) throw new Error(`node ${args.join(' ')} exited with ${result.status}`);
  }
  return percentile(samples, 50);
}

function measureCliHelp({ runs }) {
  const node = medianRunMs(['-e', '0'], runs);
  const help = medianRunMs([join(repoRoot, 'apps', 'cli', 'bin', 'run.js'), '--help'], runs);
  return { node_ms: node, sc_help_ms: help, ratio: round(help / node, 2) };
}

module.exports = { measureCliHelp };
