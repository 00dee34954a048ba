// @ts-check
// How soon an agent starts on a big repository: from its worker taking the job (the worker's `round started`) to
// the agent's process running (the clock it prints first), through the real orchestrator and worker (agent-cli,
// sandboxed), on a generated repository whose setup makes a node_modules cached by package-lock.json. Cold: an
// empty worktree pool and cache (`git worktree add`, the setup, the cache stored). Warm: a pooled worktree and
// the cache restored from its spare copy (made after the Round before). Beside it, in the same run: plain
// `git worktree add` plus copying node_modules.
const { execFileSync, spawnSync } = require('node:child_process');
const { mkdirSync, readdirSync, readFileSync, writeFileSync } = require('node:fs');
const { dirname, join } = require('node:path');
const { performance } = require('node:perf_hooks');
const { SandboxRuntime } = require('@sc/runner');
const { createApiClient } = require('../api-client');
const { createStack, until } = require('../stack');
const { percentile, round } = require('../stats');

/** The script the setup runs, standing in for `npm ci`: `count` files of 0.5 to 4 KB in packages of 50. */
function installScript(count) {
  return `const fs = require('node:fs');
for (let i = 0; i < ${count}; i++) {
  const dir = \`node_modules/pkg\${Math.floor(i / 50)}/lib\`;
  if (i % 50 === 0) fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(\`\${dir}/f\${i}.js\`, \`module.exports = \${i};\\n\${'x'.repeat(500 + ((i * 7919) % 3500))}\`);
}
`;
}

/**
 * A repository on `main` with one commit of `files` source files (by `git fast-import`: no working tree is
 * written), a .gitignore for node_modules, a package-lock.json and the install script.
 */
function generateRepository(dir, files, cacheFiles) {
  execFileSync('git', ['init', '-q', '-b', 'main', dir]);
  const blob = (content) => `data ${Buffer.byteLength(content)}\n${content}\n`;
  const chunks = ['commit refs/heads/main\ncommitter Bench <bench@localhost> 1700000000 +0000\n', blob('generated')];
  for (const [path, content] of [
    ['.gitignore', 'node_modules/\n'],
    ['package-lock.json', '{"lockfileVersion":3}\n'],
    ['scripts/install.js', installScript(cacheFiles)],
  ])
    chunks.push(`M 100644 inline ${path}\n${blob(content)}`);
  for (let i = 0; i < files; i++)
    chunks.push(
      `M 100644 inline src/d${Math.floor(i / 100)}/f${i}.js\n${blob(`// file ${i}\nexport const v${i} = ${i};\n`)}`,
    );
  execFileSync('git', ['fast-import', '--quiet'], { cwd: dir, input: chunks.join('') });
}

/** `git worktree add` of a new branch, then a copy of a ready node_modules into it: what a plain setup costs. */
function plainWorktree(repo, target, branch, nodeModules) {
  const startedAt = performance.now();
  spawnSync('git', ['worktree', 'add', '-q', '-b', branch, target, 'main'], { cwd: repo, stdio: 'ignore' });
  const addedAt = performance.now();
  spawnSync('cp', ['-a', nodeModules, join(target, 'node_modules')], { stdio: 'ignore' });
  return { add: addedAt - startedAt, copy: performance.now() - addedAt };
}

async function measureWorktrees({ files, cacheFiles, runs }) {
  const stack = await createStack('worktrees', { type: 'sqlite' });
  try {
    const root = dirname(stack.env.SC_DATA_DIR);
    const sandbox = SandboxRuntime.load(process.env, stack.env.SC_DATA_DIR);
    if (sandbox.mode !== 'bubblewrap') return { skipped: sandbox.reason };
    const repo = join(root, 'repo');
    generateRepository(repo, files, cacheFiles);

    const ready = join(root, 'ready');
    mkdirSync(ready);
    writeFileSync(join(ready, 'install.js'), installScript(cacheFiles));
    execFileSync(process.execPath, ['install.js'], { cwd: ready });
    const plain = Array.from({ length: runs }, (_, i) =>
      plainWorktree(repo, join(root, 'plain', String(i)), `plain-${i}`, join(ready, 'node_modules')),
    );

    const orchestrator = await stack.startOrchestrator();
    const worker = await stack.startWorker();
    const api = createApiClient(orchestrator.url, 1);
    const caches = join(stack.env.SC_DATA_DIR, 'caches');
    /** One Round; the ms from its job being taken to its agent printing the time. */
    const agentStartMs = async (n) => {
      const { round_id: roundId } = await api.submit({
        title: `big repository ${n}`,
        instructions: 'Print the time.',
        plugin: 'agent-cli',
        phases: ['coding'],
        repo: { path: repo },
        agents: [{ name: 'clock', model: 'none', role: 'implementer', command: 'date +%s%3N' }],
        setup: ['node scripts/install.js'],
        cache: [{ path: 'node_modules', key_files: ['package-lock.json'] }],
      });
      const report = await until(
        async () => {
          const res = await api.request('GET', `/reports/${roundId}`);
          return res.status === 200 ? res.body : undefined;
        },
        `the Report of Round ${roundId}`,
        600_000,
        50,
      );
      if (report.status !== 'success') throw new Error(`Round ${roundId} ended ${report.status}: ${report.error}`);
      const taken = worker
        .output()
        .split('\n')
        .map((line) =>
          line.includes(roundId) && line.includes('"msg":"round started"') ? JSON.parse(line) : undefined,
        )
        .find(Boolean);
      const printed = readFileSync(
        join(stack.env.SC_DATA_DIR, 'artifacts', roundId, '1', 'coding', 'clock.log'),
        'utf8',
      );
      return Number(printed.trim()) - Date.parse(taken.time);
    };
    // A Round ends with its worktree back in the pool; the spare of the cache it used is copied after it.
    const spareReady = () =>
      readdirSync(caches).some(
        (key) => /^[0-9a-f]{64}$/.test(key) && readdirSync(join(caches, key)).some((name) => name.startsWith('spare-')),
      );
    try {
      const cold = await agentStartMs(0);
      const warm = [];
      for (let n = 1; n <= runs; n++) {
        await until(spareReady, 'a spare copy of the cache', 600_000, 50);
        warm.push(await agentStartMs(n));
      }
      const median = (samples) => percentile(samples, 50);
      return {
        files,
        cache_files: cacheFiles,
        runs,
        cold_ms: round(cold, 0),
        warm_ms: { p50: round(median(warm), 0), max: round(Math.max(...warm), 0) },
        plain_ms: {
          worktree_add: round(median(plain.map((run) => run.add)), 0),
          copy_cache: round(median(plain.map((run) => run.copy)), 0),
          total: round(median(plain.map((run) => run.add + run.copy)), 0),
        },
      };
    } finally {
      api.close();
    }
  } finally {
    await stack.cleanup();
  }
}

module.exports = { measureWorktrees };
