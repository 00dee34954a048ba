import type { Report, StoredWorkOrder, WorkOrderJob } from '@sc/schemas';
import { ReviewDiffArtifact, validateReport } from '@sc/schemas';
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pino from 'pino';
import { createLocalArtifactStore } from '../../artifacts/local.artifact-store';
import { ModelGateway } from '../../model-gateway/model-gateway';
import { loadUpstreams } from '../../model-gateway/upstreams';
import { ModelPrices } from '../../pricing/model-prices';
import { PluginRegistry } from '../../plugin-registry';
import { runRound, type RunRoundOptions } from '../../run-round';
import { SandboxRuntime } from '../../sandbox/sandbox-runtime';
import { createAgentCliPlugin } from './agent-cli.plugin';
import { createTestRepository, git } from '../../../../../test/support/test-repository';
import { processesWith } from '../../../../../test/support/processes';

const fakeAgent = join(__dirname, 'fixtures', 'fake-agent.js');
const branch = 'feat/wo-20250101-add-notes';

// The built-in templates (the real CLIs through the model gateway) are tested in test/agent-clis.e2e-spec.ts;
// here agents are the fake agent as their own `command`, which is counted from its output stream.
describe(createAgentCliPlugin.name, () => {
  let root: string;
  let repo: string;
  let dataDir: string;
  let options: RunRoundOptions;
  const gateway = new ModelGateway(loadUpstreams({}), new ModelPrices());
  const originalPath = process.env.PATH;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'sc-agent-cli-'));
    repo = join(root, 'repo');
    dataDir = join(root, 'data');
    createTestRepository(repo);
    // Only node, git and sh: a real claude/codex/gemini on this machine must not run.
    process.env.PATH = [dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin'].join(':');
    const registry = new PluginRegistry();
    registry.register(createAgentCliPlugin(), 'built-in');
    options = {
      registry,
      logger: pino({ level: 'silent' }),
      worker: 'test',
      dataDir,
      artifacts: createLocalArtifactStore({ dataDir }),
      killGraceMs: 300,
      gateway,
    };
  });

  afterEach(() => {
    process.env.PATH = originalPath;
    rmSync(root, { recursive: true, force: true });
  });

  afterAll(() => gateway.close());

  /** The command line of the fake agent behaving as `fakeArgs` say. */
  function fake(...fakeArgs: string[]): string {
    return `"${process.execPath}" "${fakeAgent}" ${fakeArgs.map((arg) => `'${arg}'`).join(' ')}`;
  }

  /** A claude agent (model `sonnet`) running the fake agent. */
  function claude(...fakeArgs: string[]): StoredWorkOrder['agents'] {
    return [
      { name: 'claude', model: 'sonnet', role: 'implementer', command: fake('--fake-model=sonnet', ...fakeArgs) },
    ];
  }

  function job(order: Partial<StoredWorkOrder>): WorkOrderJob {
    return {
      round_id: 'round-1',
      workorder_id: 'wo-1',
      attempt: 1,
      order: {
        id: 'wo-1',
        title: 'Add notes',
        instructions: 'Write the notes.',
        plugin: 'agent-cli',
        branch,
        phases: ['coding', 'testing'],
        priority: 5,
        repo: { path: repo },
        agents: [{ name: 'claude', model: 'sonnet', role: 'implementer' }],
        acceptance: ['grep -q "Write the notes." NOTES.md'],
        ...order,
      },
    };
  }

  async function run(order: Partial<StoredWorkOrder>): Promise<Report> {
    const report = await runRound(job(order), options);
    expect(validateReport(report)).toMatchObject({ ok: true });
    return report;
  }

  it('runs an agent in a worktree on the work-order branch, counts its tokens, commits with the trailer, runs acceptance there', async () => {
    const report = await run({ agents: claude('--fake-turns=2', '--fake-tokens=100,10') });
    // `sonnet` alone names no priced model: the cost is unknown, not 0.
    expect(report).toMatchObject({
      status: 'success',
      token_usage: [
        { agent: 'claude', model: 'sonnet', input: 200, output: 20, cache_read: 0, cache_write: 0, cost_usd: null },
      ],
      cost_usd: 0,
    });
    expect(report.phases.map((phase) => [phase.name, phase.status, phase.exit_code])).toEqual([
      ['coding', 'success', 0],
      ['testing', 'success', 0],
    ]);
    expect(report.commits).toEqual([{ sha: git(repo, 'rev-parse', branch), branch, message: 'Add notes' }]);
    expect(git(repo, 'log', '-1', '--format=%B', branch)).toMatch(/\n\nWork-Order: wo-1\nRound: round-1$/);
    expect(git(repo, 'show', `${branch}:NOTES.md`)).toBe(
      'turn 1 (sonnet): Write the notes.\nturn 2 (sonnet): Write the notes.',
    );
    expect(git(repo, 'rev-parse', `${branch}~1`)).toBe(git(repo, 'rev-parse', 'main'));
    expect(report.summary).toBe(`claude on ${branch}: 1 acceptance command(s) passed`);
    // The Round is over: its worktree, the attempt's folder and the Round's are gone, the branch stays.
    expect(readdirSync(join(dataDir, 'worktrees'))).toEqual([]);
    expect(report.artifacts.map((artifact) => artifact.name).sort()).toEqual([
      'coding/claude.log',
      'testing/claude.log',
    ]);
  });

  it('reclaims the branch from the worktree a killed worker left for the same Round, and nothing held elsewhere', async () => {
    const agents = claude();
    // A worker killed during attempt 1 never removed its worktree: the branch is still checked out there.
    const stale = join(dataDir, 'worktrees', 'round-1', '1', 'claude');
    mkdirSync(dirname(stale), { recursive: true });
    git(repo, 'worktree', 'add', '-q', '-b', branch, stale, 'main');
    const retried = await runRound({ ...job({ phases: ['coding'], agents }), attempt: 2 }, options);
    expect(retried).toMatchObject({ status: 'success', attempt: 2 });
    expect(existsSync(stale)).toBe(false);
    expect(git(repo, 'worktree', 'list')).not.toContain(stale);

    // The branch checked out by someone else (not this Round's folder) is left alone: the Round says why.
    const elsewhere = join(root, 'elsewhere');
    git(repo, 'worktree', 'add', '-q', elsewhere, branch);
    const refused = await runRound({ ...job({ phases: ['coding'], agents }), attempt: 3 }, options);
    expect(refused.status).toBe('error');
    expect(refused.error).toContain(`is already checked out at '${elsewhere}'`);
    expect(existsSync(join(elsewhere, '.git'))).toBe(true);
  });

  it('runs two agents in parallel, each in its own worktree and branch, and counts each one', async () => {
    const report = await run({
      phases: ['coding'],
      agents: [
        {
          name: 'claude',
          model: 'claude-sonnet-4-5',
          role: 'implementer',
          command: fake('--fake-model=claude-sonnet-4-5', '--fake-tokens=100,10'),
        },
        {
          name: 'codex',
          model: 'gpt-5-codex',
          role: 'reviewer',
          command: fake('--fake-model=gpt-5-codex', '--fake-format=codex', '--fake-tokens=70,7', '--fake-turns=3'),
        },
      ],
    });
    expect(report.status).toBe('success');
    // In the order each agent first reported, which the parallel runs decide; priced from the table.
    const claudeCost = (100 * 3 + 10 * 15) / 1e6;
    const codexCost = (210 * 1.25 + 21 * 10) / 1e6;
    expect([...report.token_usage].sort((a, b) => a.agent.localeCompare(b.agent))).toEqual([
      {
        agent: 'claude',
        model: 'claude-sonnet-4-5',
        input: 100,
        output: 10,
        cache_read: 0,
        cache_write: 0,
        cost_usd: claudeCost,
      },
      {
        agent: 'codex',
        model: 'gpt-5-codex',
        input: 210,
        output: 21,
        cache_read: 0,
        cache_write: 0,
        cost_usd: codexCost,
      },
    ]);
    expect(report.cost_usd).toBe(Number((claudeCost + codexCost).toFixed(10)));
    expect(report.commits.map((commit) => commit.branch)).toEqual([`${branch}-claude`, `${branch}-codex`]);
    for (const name of ['claude', 'codex']) {
      expect(git(repo, 'log', '-1', '--format=%B', `${branch}-${name}`)).toContain('Work-Order: wo-1');
      expect(git(repo, 'show', `${branch}-${name}:NOTES.md`)).toContain('Your role in this work-order:');
    }
    expect(report.summary.split('\n')).toEqual([
      `claude (claude-sonnet-4-5) on ${branch}-claude: exit 0`,
      `codex (gpt-5-codex) on ${branch}-codex: exit 0`,
    ]);
  });

  it('stores the diff of every agent branch against the base as review.diff when the work-order asks for a review', async () => {
    const report = await run({
      review: { required: true },
      repo: { path: repo, base_ref: 'main' },
      agents: [
        { name: 'claude', model: 'sonnet', role: 'implementer', command: fake('--fake-file=A.md') },
        {
          name: 'codex',
          model: 'gpt-5-codex',
          role: 'implementer',
          command: fake('--fake-format=codex', '--fake-file=B.md'),
        },
      ],
      acceptance: [],
    });
    expect(report.status).toBe('success');
    const diff = readFileSync(join(dataDir, 'artifacts', 'round-1', '1', ReviewDiffArtifact), 'utf8');
    const main = git(repo, 'rev-parse', 'main').slice(0, 12);
    expect(diff.split('\n').filter((line) => line.startsWith('# ') || line.startsWith('+++ '))).toEqual([
      `# agent claude (sonnet): ${branch}-claude against main (${main})`,
      '+++ b/A.md',
      `# agent codex (gpt-5-codex): ${branch}-codex against main (${main})`,
      '+++ b/B.md',
    ]);
    // Without a review, and for a Round that did not succeed, there is none.
    const failed = await runRound(
      { ...job({ review: { required: true }, acceptance: ['false'], agents: claude() }), attempt: 2 },
      options,
    );
    expect(failed.status).toBe('failure');
    expect(failed.artifacts.map((artifact) => artifact.name)).not.toContain(ReviewDiffArtifact);
  });

  it('commits the partial work of a timed-out agent and leaves none of its processes running, not even one in a session of its own', async () => {
    const marker = `sc-grandchild-${process.pid}-${Date.now()}`;
    const report = await run({
      phase_timeout: { coding: 2 },
      agents: claude('--fake-sleep-ms=600000', '--fake-ignore-term', `--fake-grandchild=${marker}`),
    });
    expect(report).toMatchObject({ status: 'timeout', error: 'phase coding timed out after 2 s' });
    expect(report.phases.map((phase) => phase.name)).toEqual(['coding']);
    expect(report.commits).toEqual([expect.objectContaining({ branch })]);
    expect(git(repo, 'show', `${branch}:NOTES.md`)).toBe('turn 1 (sonnet): Write the notes.');
    expect(git(repo, 'log', '-1', '--format=%B', branch)).toContain('the phase ended timeout');
    expect(report.summary).toContain('coding ended timeout; partial work committed');
    expect(processesWith(marker)).toEqual([]);
  });

  it('commits the partial work of a cancelled Round', async () => {
    const cancel = new AbortController();
    const notes = join(dataDir, 'worktrees', 'round-1', '1', 'claude', 'NOTES.md');
    const cancelOnceEdited = setInterval(() => existsSync(notes) && cancel.abort(new Error('cancel requested')), 20);
    try {
      const report = await runRound(job({ agents: claude('--fake-sleep-ms=600000') }), {
        ...options,
        signal: cancel.signal,
      });
      expect(report).toMatchObject({ status: 'cancelled', error: 'cancelled: cancel requested' });
      expect(report.commits).toEqual([expect.objectContaining({ branch })]);
      expect(git(repo, 'show', `${branch}:NOTES.md`)).toBe('turn 1 (sonnet): Write the notes.');
    } finally {
      clearInterval(cancelOnceEdited);
    }
  });

  it('stops the agent once budget.max_tokens is reached and ends failed with budget_exceeded, keeping its work', async () => {
    const report = await run({
      budget: { max_tokens: 250 },
      agents: claude('--fake-turns=50', '--fake-tokens=100,10', '--fake-turn-delay-ms=250'),
    });
    expect(report.status).toBe('failure');
    expect(report.error).toMatch(/^budget_exceeded: 330 tokens used, budget\.max_tokens is 250/);
    expect(report.token_usage).toEqual([
      { agent: 'claude', model: 'sonnet', input: 300, output: 30, cache_read: 0, cache_write: 0, cost_usd: null },
    ]);
    expect(report.commits).toHaveLength(1);
    expect(git(repo, 'show', `${branch}:NOTES.md`).split('\n')).toHaveLength(3);
  });

  it('ends failed when an acceptance command fails in the worktree', async () => {
    const report = await run({ acceptance: ['test -f NOTES.md', 'exit 3'], agents: claude() });
    expect(report.status).toBe('failure');
    expect(report.phases[1]).toMatchObject({ name: 'testing', status: 'failure', exit_code: 3 });
    expect(report.summary).toBe(`claude on ${branch}: acceptance command 2 of 2 exited 3`);
    expect(report.commits).toHaveLength(1);
  });

  it('runs an agent of its own command, instructions on stdin and in SC_INSTRUCTIONS_FILE, its stream format detected', async () => {
    const command = `${fake('--fake-format=codex', '--fake-file=OUT.md')} && cp "$SC_INSTRUCTIONS_FILE" FROM_FILE.md`;
    const report = await run({
      phases: ['coding'],
      agents: [{ name: 'scripted', model: 'local-1', role: 'implementer', command }],
    });
    expect(report).toMatchObject({
      status: 'success',
      token_usage: [{ agent: 'scripted', model: 'local-1', input: 100, output: 10 }],
    });
    expect(git(repo, 'show', `${branch}:OUT.md`)).toBe('turn 1 (fake-model): Write the notes.');
    expect(git(repo, 'show', `${branch}:FROM_FILE.md`)).toBe('Write the notes.');
  });

  it('hands instructions of any size the schema allows to the agent (stdin, never argv or environment)', async () => {
    // Past the 128 KiB a single argument or variable may hold on Linux.
    const instructions = `${'x'.repeat(1023)}\n`.repeat(512);
    const command = 'cat > INSTRUCTIONS.md && cmp INSTRUCTIONS.md "$SC_INSTRUCTIONS_FILE"';
    const report = await run({
      phases: ['coding'],
      instructions,
      agents: [{ name: 'scripted', model: 'local-1', role: 'implementer', command }],
    });
    expect(report.status).toBe('success');
    expect(git(repo, 'show', `${branch}:INSTRUCTIONS.md`)).toBe(instructions.trimEnd());
  });

  it('clones a repo.url into the data dir once and works on a branch there', async () => {
    const agents = [
      {
        name: 'gemini',
        model: 'gemini-2.5-pro',
        role: 'implementer',
        command: fake('--fake-format=gemini', '--fake-tokens=40,4'),
      },
    ];
    const order = { phases: ['coding'] as [string], repo: { url: `file://${repo}`, base_ref: 'main' }, agents };
    const report = await run(order);
    expect(report).toMatchObject({ status: 'success', token_usage: [{ agent: 'gemini', input: 40, output: 4 }] });
    const [clone] = execFileSync('ls', [join(dataDir, 'repos')], { encoding: 'utf8' })
      .trim()
      .split('\n');
    expect(git(join(dataDir, 'repos', clone), 'log', '-1', '--format=%B', branch)).toContain('Work-Order: wo-1');
    expect(() => git(repo, 'rev-parse', '--verify', '--quiet', branch)).toThrow();
    // A second Round fetches the clone instead of cloning again.
    const second = await runRound({ ...job({ ...order, branch: `${branch}-2` }), round_id: 'round-2' }, options);
    expect(second.status).toBe('success');
  });

  it.each([
    [
      'a relative repo.path that climbs out',
      { repo: { path: '../elsewhere' } },
      'repo.path "../elsewhere" must not climb out with ".."',
    ],
    [
      'an agent with neither a template nor a command',
      { agents: [{ name: 'aider', model: 'x', role: 'y' }] },
      'agent aider needs a command: only claude, codex, gemini have built-in templates',
    ],
    ['no agents', { agents: [] }, 'agent-cli needs at least one entry in agents'],
  ])('refuses %s', async (_what, order, error) => {
    const report = await run(order);
    expect(report).toMatchObject({ status: 'error', error });
  });

  it('fails the phase, naming the CLI and the system error, when a template agent is not on PATH', async () => {
    const report = await run({ agents: [{ name: 'codex', model: 'gpt-5-codex', role: 'implementer' }] });
    expect(report.status).toBe('failure');
    expect(report.summary).toBe(`codex (gpt-5-codex) on ${branch}: codex could not start: ENOENT, not found on PATH`);
    expect(readdirSync(join(dataDir, 'worktrees'))).toEqual([]);
  });

  it('fails the phase with EACCES when the template CLI found on PATH is not executable', async () => {
    const bin = join(root, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'codex'), '#!/bin/sh\nexit 0\n');
    // No execute bit for anyone: execve refuses it even to root.
    chmodSync(join(bin, 'codex'), 0o644);
    process.env.PATH = `${bin}:${process.env.PATH}`;
    const report = await run({ agents: [{ name: 'codex', model: 'gpt-5-codex', role: 'implementer' }] });
    expect(report.status).toBe('failure');
    expect(report.summary).toBe(`codex (gpt-5-codex) on ${branch}: codex could not start: EACCES, not executable`);
    expect(readdirSync(join(dataDir, 'worktrees'))).toEqual([]);
  });

  it("fails the phase with E2BIG when the agent's environment is past the kernel's limit", async () => {
    // A variable the operator passes to agents (SC_AGENT_ENV) longer than one argv/env string may be (128 KiB on
    // Linux): the worker's own processes never get it, only the agent's.
    const sandbox = SandboxRuntime.load(
      { ...process.env, SC_AGENT_SANDBOX: 'off', SC_AGENT_ENV: 'HUGE_SETTING', HUGE_SETTING: 'x'.repeat(256 * 1024) },
      dataDir,
    );
    const report = await runRound(job({ phases: ['coding'], agents: claude() }), { ...options, sandbox });
    expect(report.status).toBe('failure');
    expect(report.summary).toBe(
      `claude (sonnet) on ${branch}: /bin/sh could not start: E2BIG, arguments and environment too long`,
    );
    expect(readdirSync(join(dataDir, 'worktrees'))).toEqual([]);
  });
  describe('setup, caches, ports and pooled worktrees', () => {
    /** Commits `files` (path → content) to the repository's main branch. */
    function commit(files: Record<string, string>): void {
      for (const [path, content] of Object.entries(files)) {
        mkdirSync(dirname(join(repo, path)), { recursive: true });
        writeFileSync(join(repo, path), content);
      }
      git(repo, 'add', '-A');
      git(repo, 'commit', '-qm', 'change');
    }

    /** An agent running `script` (a shell command line) in its worktree. */
    const scripted = (script: string, name = 'scripted') => [
      { name, model: 'local-1', role: 'implementer', command: script },
    ];
    const roundOf = (n: number, order: Partial<StoredWorkOrder>) =>
      runRound({ ...job({ phases: ['coding'], ...order, branch: `${branch}-${n}` }), round_id: `round-${n}` }, options);

    it('runs the setup of .sc/setup.yml in each new worktree before the agent, as phase setup, with the network its agents lack', async () => {
      const server = createServer((_request, response) => response.end('from the registry'));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      try {
        const fetch = `node -e "fetch('http://127.0.0.1:${port}').then((r) => r.text()).then((t) => require('fs').writeFileSync('deps/FETCHED', t))"`;
        commit({
          '.gitignore': 'deps/\n',
          '.sc/setup.yml': `setup:\n  - mkdir -p deps\n  - ${JSON.stringify(fetch)}\n`,
        });
        const report = await run({
          phases: ['coding'],
          sandbox: { network: 'none' },
          agents: scripted('cp deps/FETCHED SEEN.md'),
        });
        expect(report.phases.map((phase) => [phase.name, phase.status, phase.exit_code])).toEqual([
          ['setup', 'success', 0],
          ['coding', 'success', 0],
        ]);
        expect(git(repo, 'show', `${branch}:SEEN.md`)).toBe('from the registry');
        expect(report.artifacts.map((artifact) => artifact.name).sort()).toEqual([
          'coding/scripted.log',
          'setup/scripted.log',
        ]);
      } finally {
        server.close();
      }
    });

    it("fails the Round with the exit code of a failing setup command, before any agent runs; the work-order's setup wins over the repository's", async () => {
      commit({ '.sc/setup.yml': 'setup: ["true"]\n' });
      const report = await run({ setup: ['true', 'exit 3', 'touch NEVER'], agents: claude() });
      expect(report).toMatchObject({
        status: 'failure',
        error: 'setup failed: claude: setup command 2 of 3 exited 3',
        commits: [],
        token_usage: [],
      });
      expect(report.phases).toEqual([expect.objectContaining({ name: 'setup', status: 'failure', exit_code: 3 })]);
      expect(readdirSync(join(dataDir, 'worktrees'))).toEqual([]);
    });

    it.each([
      [
        '.sc/setup.yml that breaks the schema',
        { '.sc/setup.yml': 'setup: npm ci\ncache:\n  - path: ../outside\n    key_files: [package-lock.json]\n' },
        '.sc/setup.yml: /setup: must be array; /cache/0/path: must be a relative path inside the worktree (no leading "/", no "." or ".." segment, not under .git)',
      ],
      ['.sc/setup.yml that is no YAML', { '.sc/setup.yml': 'setup: [npm ci\n' }, /^\.sc\/setup\.yml: not valid YAML: /],
      [
        'cache whose key file is missing',
        { '.sc/setup.yml': 'cache:\n  - { path: node_modules, key_files: [package-lock.json] }\n' },
        'cache[0].key_files: package-lock.json is not in the worktree',
      ],
      [
        'cache path the repository tracks',
        { '.sc/setup.yml': 'cache: [{ path: vendor, key_files: [README.md] }]\n', 'vendor/a.txt': 'a' },
        'cache[0].path: vendor is in the repository; a cache is a folder git does not track (node_modules, .venv)',
      ],
      [
        '.sc/env.template with an unknown placeholder',
        { '.sc/env.template': 'PORT=${SC_PORT_BASE}\nDB=${SC_DATABASE}\n' },
        '.sc/env.template line 2: unknown placeholder ${SC_DATABASE} (known: ${SC_PORT_BASE}, ${SC_PORT_COUNT}, ${SC_ROUND_ID}, ${SC_AGENT}, ${SC_WORKORDER_ID}, ${SC_PORT_BASE+<n>})',
      ],
      [
        '.sc/env.template with a port past the block',
        { '.sc/env.template': 'DB_PORT=${SC_PORT_BASE+10}\n' },
        ".sc/env.template line 1: ${SC_PORT_BASE+10} is past the agent's 10 ports (SC_PORT_COUNT)",
      ],
    ])('refuses a %s, naming the file and what is wrong', async (_what, files, error) => {
      commit(files);
      const report = await run({ agents: claude() });
      expect(report).toMatchObject({
        status: 'error',
        error,
        phases: [expect.objectContaining({ name: 'setup', status: 'error' })],
      });
    });

    it('refuses a .sc/setup.yml that is a link: the worker never reads through one', async () => {
      writeFileSync(join(root, 'secret.yml'), 'setup: ["true"]\n');
      symlinkSync(join(root, 'secret.yml'), join(repo, '.sc-link'));
      mkdirSync(join(repo, '.sc'));
      renameSync(join(repo, '.sc-link'), join(repo, '.sc', 'setup.yml'));
      commit({});
      const report = await run({ agents: claude() });
      expect(report).toMatchObject({
        status: 'error',
        error: '.sc/setup.yml: .sc/setup.yml is a symbolic link, which is not followed',
      });
    });

    it('restores a cache hit without running setup, stores a miss for the next Round of that key, never shares one between keys', async () => {
      commit({ '.gitignore': 'node_modules/\n', 'package-lock.json': '{"v":1}' });
      const install =
        'mkdir -p node_modules/dep && cp package-lock.json node_modules/dep/lock.json && echo installed > node_modules/dep/by-setup';
      const cache = [{ path: 'node_modules', key_files: ['package-lock.json'] as [string] }];
      // The agent shows what it found, then changes the cached folder in place as agents do.
      const agents = scripted(
        'cat node_modules/dep/lock.json > SEEN.md; ls node_modules/dep >> SEEN.md; echo tampered > node_modules/dep/lock.json',
      );
      const rounds = [];
      for (const n of [1, 2, 3]) rounds.push(await roundOf(n, { setup: [install], cache, agents }));
      commit({ 'package-lock.json': '{"v":2}' });
      rounds.push(await roundOf(4, { setup: [install], cache, agents }));

      expect(rounds.map((report) => [report.status, report.phases[0].name])).toEqual(
        [1, 2, 3, 4].map(() => ['success', 'setup']),
      );
      const seen = [1, 2, 3, 4].map((n) => git(repo, 'show', `${branch}-${n}:SEEN.md`));
      expect(seen).toEqual([
        '{"v":1}by-setup\nlock.json',
        '{"v":1}by-setup\nlock.json',
        '{"v":1}by-setup\nlock.json',
        '{"v":2}by-setup\nlock.json',
      ]);
      // Rounds 2 and 3 got the folder Round 1's setup made, untouched by the agents after it; setup ran for 1 and 4 only.
      const logs = rounds.map((report) => report.artifacts.some((artifact) => artifact.name === 'setup/scripted.log'));
      expect(logs).toEqual([true, false, false, true]);
      const store = readdirSync(join(dataDir, 'caches')).filter((name) => /^[0-9a-f]{64}$/.test(name));
      expect(store).toHaveLength(2);
    });

    it('builds a cache once when two agents need the same key at once: one runs setup, the other waits and restores it', async () => {
      commit({ '.gitignore': 'node_modules/\n', 'package-lock.json': '{"v":1}' });
      const install = 'sleep 1 && mkdir -p node_modules/dep && echo "$SC_AGENT" > node_modules/dep/built-by';
      const show = 'cat node_modules/dep/built-by > SEEN.md';
      const report = await run({
        phases: ['coding'],
        setup: [install],
        cache: [{ path: 'node_modules', key_files: ['package-lock.json'] }],
        agents: [...scripted(show, 'claude'), ...scripted(show, 'codex')],
      });
      expect(report.status).toBe('success');
      const setupLogs = report.artifacts.map((artifact) => artifact.name).filter((name) => name.startsWith('setup/'));
      expect(setupLogs).toHaveLength(1);
      const builder = setupLogs[0].slice('setup/'.length, -'.log'.length);
      expect(['claude', 'codex'].map((name) => git(repo, 'show', `${branch}-${name}:SEEN.md`))).toEqual([
        builder,
        builder,
      ]);
    });

    it('gives two agents of one Round port blocks no other running agent has and a .env from .sc/env.template, frees them when it ends', async () => {
      commit({
        '.gitignore': '.env\n',
        '.sc/env.template':
          'PORT=${SC_PORT_BASE}\nDB_PORT=${SC_PORT_BASE+1}\nDB_NAME=app_${SC_AGENT}\nROUND=${SC_ROUND_ID}\nKEPT=${HOME}\n',
      });
      const show = 'cp .env ENV.md && echo "$SC_PORT_BASE $SC_PORT_COUNT" > PORTS.md';
      const report = await run({
        phases: ['coding'],
        agents: [...scripted(show, 'claude'), ...scripted(show, 'codex')],
      });
      expect(report.status).toBe('success');
      const [claudeEnv, codexEnv] = ['claude', 'codex'].map((name) => git(repo, 'show', `${branch}-${name}:ENV.md`));
      const [claudeBase, codexBase] = ['claude', 'codex'].map((name) =>
        Number(git(repo, 'show', `${branch}-${name}:PORTS.md`).split(' ')[0]),
      );
      expect(Math.abs(claudeBase - codexBase)).toBeGreaterThanOrEqual(10);
      expect(claudeEnv).toBe(
        `PORT=${claudeBase}\nDB_PORT=${claudeBase + 1}\nDB_NAME=app_claude\nROUND=round-1\nKEPT=\${HOME}`,
      );
      expect(codexEnv).toContain(`PORT=${codexBase}\nDB_PORT=${codexBase + 1}\nDB_NAME=app_codex\n`);
      expect(git(repo, 'show', `${branch}-claude:PORTS.md`)).toBe(`${claudeBase} 10`);
      // The .env is the agent's own: never committed, even where the repository does not ignore it.
      expect(() => git(repo, 'cat-file', '-e', `${branch}-claude:.env`)).toThrow();
      const held = readdirSync(join(tmpdir(), 'sc-port-blocks'));
      expect(held).not.toContain(`${claudeBase}.lock`);
      expect(held).not.toContain(`${codexBase}.lock`);
    });

    it('hands the next Round a pooled worktree holding no file of the one before, untracked and ignored files included', async () => {
      commit({ '.gitignore': 'ignored/\n*.log\n' });
      const leave =
        'cat .git > WHERE.md; echo changed >> README.md; echo u > untracked.txt; mkdir -p ignored deep/er && echo i > ignored/a && echo l > x.log && echo d > deep/er/file; git init -q ignored/nested && echo n > ignored/nested/file';
      const look =
        's=$(git status --porcelain --ignored --untracked-files=all); f=$(find . -path ./.git -prune -o -print | sort); echo "$s" > STATUS.md; echo "$f" > FILES.md; cat .git > WHERE.md';
      const first = await roundOf(1, { agents: scripted(leave) });
      const second = await roundOf(2, { agents: scripted(look) });
      expect([first.status, second.status]).toEqual(['success', 'success']);
      expect(git(repo, 'show', `${branch}-2:WHERE.md`)).toBe(git(repo, 'show', `${branch}-1:WHERE.md`));
      expect(git(repo, 'show', `${branch}-2:STATUS.md`)).toBe('');
      expect(git(repo, 'show', `${branch}-2:FILES.md`).split('\n')).toEqual(['.', './.gitignore', './README.md']);
      expect(git(repo, 'show', `${branch}-2:README.md`)).toBe('# repo');
    });
  });
});
