// @ts-check
// The agent sandbox's cost: the start-up it adds to an agent (bubblewrap around `true`, beside `true` alone),
// and what it adds to each command an agent runs (a loop of 200 `git --version` inside and outside).
const { spawnSync } = require('node:child_process');
const { mkdirSync, mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { performance } = require('node:perf_hooks');
const { SandboxRuntime } = require('@sc/runner');
const { percentile, round } = require('../stats');

function timedRun(file, args, env) {
  const startedAt = performance.now();
  const result = spawnSync(file, args, { env, stdio: 'ignore' });
  if (result.status !== 0) throw new Error(`${file} ${args.slice(-3).join(' ')} exited ${result.status}`);
  return performance.now() - startedAt;
}

async function measureSandbox({ runs }) {
  const root = mkdtempSync(join(tmpdir(), 'sc-bench-sandbox-'));
  try {
    const runtime = SandboxRuntime.load(process.env, join(root, 'data'));
    if (runtime.mode !== 'bubblewrap') return { skipped: runtime.reason };
    const worktree = join(root, 'data', 'worktrees', 'r', '1', 'agent');
    const home = join(root, 'data', 'worktrees', 'r', '1', '.agent', 'home');
    for (const folder of [worktree, home]) mkdirSync(folder, { recursive: true });
    const sandbox = { writable: [worktree], home };
    const loop = 'i=0; while [ $i -lt 200 ]; do git --version > /dev/null; i=$((i + 1)); done';
    const direct = { start: [], loop: [] };
    const confined = { start: [], loop: [] };
    for (let i = 0; i < runs; i++) {
      const bare = runtime.wrap('true', [], worktree, {}, sandbox);
      confined.start.push(timedRun(bare.file, bare.args, bare.env));
      direct.start.push(timedRun('/bin/true', [], bare.env));
      const looped = runtime.wrap('/bin/sh', ['-c', loop], worktree, {}, sandbox);
      confined.loop.push(timedRun(looped.file, looped.args, looped.env));
      direct.loop.push(timedRun('/bin/sh', ['-c', loop], looped.env));
    }
    const start = {
      direct_p50_ms: percentile(direct.start, 50),
      sandboxed_p50_ms: percentile(confined.start, 50),
      sandboxed_p99_ms: percentile(confined.start, 99),
    };
    const perCommand = (samples) => percentile(samples, 50) / 200;
    return {
      runs,
      start,
      added_start_ms: round(start.sandboxed_p50_ms - start.direct_p50_ms, 2),
      command_ms: { direct: round(perCommand(direct.loop), 3), sandboxed: round(perCommand(confined.loop), 3) },
      added_command_ms: round(perCommand(confined.loop) - perCommand(direct.loop), 3),
    };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

module.exports = { measureSandbox };
