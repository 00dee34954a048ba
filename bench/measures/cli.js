// @ts-check
// `sc --help` against `node -e 0`: what the CLI costs on top of starting Node at all; and `sc` as the README
// installs it (`npm link`, here into a throw-away npm prefix) against the entry point run by node directly.
const { execFileSync, spawnSync } = require('node:child_process');
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { performance } = require('node:perf_hooks');
const { repoRoot } = require('../stack');
const { percentile, round } = require('../stats');

/** Median wall time of `command args` over `runs` runs, in ms; throws when the command fails. */
function medianRunMs(command, args, runs) {
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const startedAt = performance.now();
    const result = spawnSync(command, args, {
      cwd: repoRoot,
      stdio: 'ignore',
      env: { PATH: process.env.PATH, HOME: process.env.HOME },
    });
    samples.push(performance.now() - startedAt);
    if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${result.status}`);
  }
  return percentile(samples, 50);
}

function measureCliHelp({ runs }) {
  const node = medianRunMs(process.execPath, ['-e', '0'], runs);
  const help = medianRunMs(process.execPath, [join(repoRoot, 'apps', 'cli', 'bin', 'run.js'), '--help'], runs);
  const prefix = mkdtempSync(join(tmpdir(), 'sc-bench-prefix-'));
  try {
    execFileSync('npm', ['link', '--no-audit', '--no-fund'], {
      cwd: repoRoot,
      env: { ...process.env, NPM_CONFIG_PREFIX: prefix },
      stdio: 'ignore',
    });
    const linked = medianRunMs(join(prefix, 'bin', 'sc'), ['--help'], runs);
    return {
      node_ms: node,
      sc_help_ms: help,
      ratio: round(help / node, 2),
      linked_sc_help_ms: linked,
      linked_ratio: round(linked / help, 2),
    };
  } finally {
    rmSync(prefix, { recursive: true, force: true });
  }
}

module.exports = { measureCliHelp };
