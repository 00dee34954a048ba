import type { Report, StoredWorkOrder, WorkOrderJob } from '@sc/schemas';
import { validateReport } from '@sc/schemas';
import { once } from 'node:events';
import { createServer, type AddressInfo, type Server } from 'node:net';
import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { createTestRepository, git } from '../../../test/support/test-repository';
import { createLocalArtifactStore } from '../src/artifacts/local.artifact-store';
import { PluginRegistry } from '../src/plugin-registry';
import { ModelGateway } from '../src/model-gateway/model-gateway';
import { loadUpstreams } from '../src/model-gateway/upstreams';
import { createAgentCliPlugin } from '../src/plugins/agent-cli/agent-cli.plugin';
import { ModelPrices } from '../src/pricing/model-prices';
import { runRound } from '../src/run-round';
import { ownCgroups } from '../src/sandbox/cgroup-limits';
import { SandboxRuntime } from '../src/sandbox/sandbox-runtime';
import { areEscapeesRunning, escapeesCommand, pidsWith, processesWith } from '../../../test/support/processes';
import { until } from '../../../test/support/until';

// An agent that tries to get out: every write outside its worktree, every secret of the worker, processes
// that leave its process group. The sandbox must stop each, and the Round goes on.
const probe = SandboxRuntime.load(process.env, tmpdir());
if (probe.mode !== 'bubblewrap')
  console.log(`sandbox.e2e-spec: no sandbox on this machine (${probe.reason}); skipping`);
const describeSandboxed = probe.mode === 'bubblewrap' ? describe : describe.skip;

const secrets = {
  DATABASE_URL: 'postgres://sc:db-secret-1@db:5432/sc',
  REDIS_URL: 'redis://:redis-secret-2@redis:6379',
  SC_API_TOKEN: 'api-secret-3',
  GITHUB_TOKEN: 'ghp_github-secret-4',
  AWS_SECRET_ACCESS_KEY: 'aws-secret-5',
  ANTHROPIC_API_KEY: 'sk-ant-secret-6',
  OPENAI_API_KEY: 'sk-openai-secret-7',
  GEMINI_API_KEY: 'gemini-secret-8',
};

describeSandboxed('agent sandbox (bubblewrap)', () => {
  let root: string;
  let repo: string;
  let dataDir: string;
  let workerHome: string;
  const saved = { ...process.env };

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'sc-sandbox-'));
    repo = join(root, 'checkout');
    dataDir = join(root, 'data');
    workerHome = join(root, 'worker-home');
    mkdirSync(workerHome);
    writeFileSync(join(workerHome, '.netrc'), 'machine example.com password home-secret-9\n');
    createTestRepository(repo);
    Object.assign(process.env, secrets, {
      HOME: workerHome,
      SC_AGENT_ENV: 'SC_TEST_ALLOWED',
      SC_TEST_ALLOWED: 'allowed-value',
    });
  });

  afterEach(() => {
    process.env = { ...saved };
    rmSync(root, { recursive: true, force: true });
  });

  function job(order: Partial<StoredWorkOrder>, roundId = 'round-sandbox'): WorkOrderJob {
    return {
      round_id: roundId,
      workorder_id: 'wo-sandbox',
      attempt: 1,
      order: {
        id: 'wo-sandbox',
        title: 'Escape',
        instructions: 'Try to get out.',
        plugin: 'agent-cli',
        branch: `feat/${roundId}`,
        phases: ['coding'],
        priority: 5,
        repo: { path: repo },
        ...order,
      },
    };
  }

  async function run(order: Partial<StoredWorkOrder>, roundId?: string): Promise<Report> {
    return runWith(order, { roundId });
  }

  async function runWith(
    order: Partial<StoredWorkOrder>,
    { roundId, signal }: { roundId?: string; signal?: AbortSignal },
  ): Promise<Report> {
    const registry = new PluginRegistry();
    registry.register(createAgentCliPlugin(), 'built-in');
    // Loaded as a worker does at start: after the environment is what it is.
    const sandbox = SandboxRuntime.load(process.env, dataDir);
    // "model-only" needs a gateway to bridge; a command agent never calls it.
    const gateway =
      order.sandbox?.network === 'model-only' ? new ModelGateway(loadUpstreams({}), new ModelPrices()) : undefined;
    try {
      const report = await runRound(job(order, roundId), {
        registry,
        logger: pino({ level: 'silent' }),
        worker: 'test',
        dataDir,
        artifacts: createLocalArtifactStore({ dataDir }),
        killGraceMs: 500,
        sandbox,
        gateway,
        signal,
      });
      expect(validateReport(report)).toMatchObject({ ok: true });
      return report;
    } finally {
      await gateway?.close();
    }
  }

  it("lets an agent write its worktree and commit, and nothing else: the checkout, the worker's home, another Round, the data folder, /etc", async () => {
    const otherRound = join(dataDir, 'worktrees', 'round-other', '1', 'claude');
    mkdirSync(otherRound, { recursive: true });
    const targets = {
      checkout: join(repo, 'README.md'),
      'worker home': join(workerHome, '.bashrc'),
      'other round': join(otherRound, 'owned.txt'),
      'data folder': join(dataDir, 'owned.txt'),
      etc: '/etc/sc-owned',
      'git hooks': join(repo, '.git', 'hooks', 'pre-commit'),
      // What the worker's own git reads as configuration: the repository's config and its attributes.
      'git config': join(repo, '.git', 'config'),
      'git attributes': join(repo, '.git', 'info', 'attributes'),
    };
    const attempts = Object.entries(targets).map(
      ([name, target]) =>
        `(echo owned > '${target}') 2>/dev/null && echo '${name}: written' >> attempts.txt || echo '${name}: refused' >> attempts.txt`,
    );
    const command = [
      ...attempts,
      'echo mine > mine.txt',
      'git add -A && git -c user.name=a -c user.email=a@b commit -qm "by the agent" && echo "commit: ok" >> attempts.txt',
    ].join('; ');
    const report = await run({ agents: [{ name: 'escaper', model: 'none', role: 'implementer', command }] });
    expect(report.status).toBe('success');
    const branch = 'feat/round-sandbox';
    expect(git(repo, 'show', `${branch}:attempts.txt`).split('\n')).toEqual([
      ...Object.keys(targets).map((name) => `${name}: refused`),
      'commit: ok',
    ]);
    expect(git(repo, 'log', '--format=%s', branch).split('\n')).toContain('by the agent');
    expect(readFileSync(targets.checkout, 'utf8')).toBe('# repo\n');
    for (const target of Object.values(targets).slice(1, 6)) expect(existsSync(target)).toBe(false);
    expect(readFileSync(targets['git config'], 'utf8')).not.toContain('owned');
  });

  // The agent may write its worktree's `.git` file and admin folder (a commit needs its index and HEAD), and
  // the worker commits the worktree after it, outside the sandbox: its git must not run anything the agent
  // pointed it at. Each agent leaves work to commit, then aims the worker's git at a command of its own.
  describe("the worker's git after the agent runs nothing the agent wrote", () => {
    const evilScript = (marker: string) => [
      `cat > "$HOME/evil.sh" <<'EOF'`,
      '#!/bin/sh',
      `echo "escaped: $0 $*" >> '${marker}'`,
      'exec cat',
      'EOF',
      'chmod +x "$HOME/evil.sh"',
      'common=$(git rev-parse --path-format=absolute --git-common-dir)',
      'admin=$(git rev-parse --absolute-git-dir)',
      'echo work > work.txt',
    ];
    // A git dir of the agent's that still reaches the repository's objects and refs.
    const ownGitDir = (dir: string) => [
      `mkdir -p ${dir}/hooks`,
      `ln -s "$common/objects" ${dir}/objects`,
      `ln -s "$common/refs" ${dir}/refs`,
      `cp "$common/config" "$admin/HEAD" ${dir}/`,
    ];
    const attacks: Array<[string, string[], (repo: string) => void]> = [
      [
        'commondir pointing to a repository whose config sets core.fsmonitor',
        [
          ...ownGitDir('"$HOME/evil"'),
          'git config -f "$HOME/evil/config" core.fsmonitor "$HOME/evil.sh"',
          'echo "$HOME/evil" > "$admin/commondir"',
        ],
        () => undefined,
      ],
      [
        '.git pointing to a git dir of its own with hooks and core.hooksPath',
        [
          ...ownGitDir('"$HOME/evil-git"'),
          'cp "$admin/index" "$HOME/evil-git/"',
          'for hook in pre-commit post-commit reference-transaction post-index-change; do cp "$HOME/evil.sh" "$HOME/evil-git/hooks/$hook"; done',
          'git config -f "$HOME/evil-git/config" core.hooksPath "$HOME/evil-git/hooks"',
          'echo "gitdir: $HOME/evil-git" > .git',
        ],
        () => undefined,
      ],
      [
        'a nested repository, committed, whose config sets a clean filter and core.fsmonitor',
        [
          'git init -q nested && cd nested && echo a > f && git add f && git -c user.name=a -c user.email=a@b commit -qm nested',
          'git config core.fsmonitor "$HOME/evil.sh" && git config filter.evil.clean "$HOME/evil.sh"',
          "echo '* filter=evil' > .gitattributes && cd ..",
          'git add nested && git -c user.name=a -c user.email=a@b commit -qm "nested repository"',
          'echo b > nested/f',
        ],
        () => undefined,
      ],
      [
        'config.worktree setting a filter, where the repository reads per-worktree config',
        ['git config --worktree filter.evil.clean "$HOME/evil.sh"', "echo '* filter=evil' > .gitattributes"],
        (repo) => git(repo, 'config', 'extensions.worktreeConfig', 'true'),
      ],
    ];

    it.each(attacks)('%s', async (_name, attack, prepare) => {
      const marker = join(root, 'escaped');
      prepare(repo);
      const command = [...evilScript(marker), ...attack].join('\n');
      const report = await run({ agents: [{ name: 'escaper', model: 'none', role: 'implementer', command }] });
      expect(existsSync(marker) ? readFileSync(marker, 'utf8') : 'not run').toBe('not run');
      expect(report.status).toBe('success');
      expect(git(repo, 'show', 'feat/round-sandbox:work.txt')).toBe('work');
      expect(git(repo, 'log', '-1', '--format=%s', 'feat/round-sandbox')).toBe('Escape');
    });
  });

  it("mounts a read-only agent's worktree read-only: it writes only its own scratch folder", async () => {
    // Were the write let through, the phase's end would commit notes.txt.
    const command = '(echo x > notes.txt) 2>/dev/null; echo fine > "$HOME/mine.txt"';
    const report = await run({
      agents: [{ name: 'reviewer', model: 'none', role: 'reviewer', tools: 'read-only', command }],
    });
    expect(report.status).toBe('success');
    expect(report.commits).toEqual([]);
  });

  it("gives the agent none of the worker's secrets: an allow-listed environment and a private home", async () => {
    const command = 'env > env.txt; cat "$HOME/.netrc" > netrc.txt 2>&1; echo "$HOME" > home.txt';
    const report = await run({ agents: [{ name: 'reader', model: 'none', role: 'implementer', command }] });
    expect(report.status).toBe('success');
    const env = git(repo, 'show', 'feat/round-sandbox:env.txt');
    for (const [name, value] of Object.entries(secrets))
      expect({ name, leaked: env.includes(value) }).toEqual({ name, leaked: false });
    expect(env).toContain('SC_TEST_ALLOWED=allowed-value');
    expect(env).toContain('SC_ROUND_ID=round-sandbox');
    expect(git(repo, 'show', 'feat/round-sandbox:netrc.txt')).not.toContain('home-secret-9');
    expect(git(repo, 'show', 'feat/round-sandbox:home.txt')).toMatch(/\/\.reader\/home$/);
  });

  it.each([
    ['none', 'reaches nothing, not even loopback outside'],
    ['model-only', 'runs its bridge to the gateway and reaches no loopback port outside'],
  ] as const)('with sandbox.network "%s" %s', async (network, _what) => {
    const outside = createServer((socket) => socket.end('outside\n'));
    outside.listen(0, '127.0.0.1');
    await once(outside, 'listening');
    try {
      const port = (outside.address() as AddressInfo).port;
      const command = `node -e "require('net').connect(${port}, '127.0.0.1').on('connect', () => require('fs').writeFileSync('reached.txt', 'yes')).on('error', (e) => require('fs').writeFileSync('reached.txt', e.code))"`;
      const report = await run({
        sandbox: { network },
        agents: [{ name: 'prober', model: 'none', role: 'implementer', command }],
      });
      expect(report.status).toBe('success');
      expect(git(repo, 'show', 'feat/round-sandbox:reached.txt')).toBe('ECONNREFUSED');
    } finally {
      outside.close();
    }
  });

  describe("the host's unix sockets", () => {
    // Where daemons listen (docker.sock is /var/run/docker.sock); a read-only bind does not stop a connect().
    const places = ['/run', '/var/tmp'];
    const listening: Array<{ server: Server; folder: string; path: string }> = [];

    beforeAll(async () => {
      for (const place of places) {
        let folder: string;
        try {
          folder = mkdtempSync(join(place, 'sc-socket-'));
        } catch {
          console.log(`sandbox.e2e-spec: cannot write ${place}; its socket is not tried`);
          continue;
        }
        const server = createServer((socket) => socket.end('reached\n'));
        const path = join(folder, 'daemon.sock');
        server.listen(path);
        await once(server, 'listening');
        listening.push({ server, folder, path });
      }
    });

    afterAll(() => {
      for (const { server, folder } of listening) {
        server.close();
        rmSync(folder, { recursive: true, force: true });
      }
    });

    it.each(['open', 'none', 'model-only'] as const)('are out of reach with sandbox.network "%s"', async (network) => {
      expect(listening.length).toBeGreaterThan(0);
      const probe = [
        'const net = require("net"), fs = require("fs");',
        'const paths = process.argv.slice(1), out = {};',
        'let left = paths.length;',
        'const done = (path, what) => { out[path] = what; if (--left === 0) fs.writeFileSync("reached.json", JSON.stringify(out)); };',
        'for (const path of paths) net.connect(path).on("connect", function () { this.destroy(); done(path, "connected"); }).on("error", (error) => done(path, error.code));',
      ].join(' ');
      const command = `node -e '${probe}' ${listening.map(({ path }) => path).join(' ')}`;
      const report = await run({
        sandbox: { network },
        agents: [{ name: 'prober', model: 'none', role: 'implementer', command }],
      });
      expect(report.status).toBe('success');
      expect(JSON.parse(git(repo, 'show', 'feat/round-sandbox:reached.json'))).toEqual(
        Object.fromEntries(listening.map(({ path }) => [path, 'ENOENT'])),
      );
    });
  });

  it('ends a fork bomb at sandbox.pids: the agent fails, the worker goes on', async () => {
    const startedAt = Date.now();
    const report = await run({
      sandbox: { pids: 64 },
      phase_timeout: { coding: 60 },
      agents: [
        { name: 'bomber', model: 'none', role: 'implementer', command: 'bomb() { bomb | bomb & }; bomb; sleep 600' },
      ],
    });
    expect(report.status).toBe('failure');
    // Ended by the limit, long before the phase's timeout.
    expect(Date.now() - startedAt).toBeLessThan(30_000);
  });

  // Not at the hierarchy's root: a container's or a service's accounting and limits count its agents too. (v2's
  // placement, which may fall back to the root when other processes share the worker's cgroup, is in
  // cgroup-limits.spec.ts.)
  const describeV1 = existsSync('/sys/fs/cgroup/cgroup.controllers') ? describe.skip : describe;
  describeV1('cgroups v1', () => {
    it("puts the agent's cgroups under the worker's own where the worker may write it", async () => {
      const marker = `sc-limited-${process.pid}-${Date.now()}`;
      const worktree = join(dataDir, 'worktrees', 'round-sandbox', '1', 'limited');
      const cancel = new AbortController();
      const seen = until(() => existsSync(join(worktree, 'ready')) && pidsWith(marker)[0], {
        timeoutMs: 30_000,
        what: 'the limited agent running',
      }).then((pid) => {
        const agent = ownCgroups(readFileSync(`/proc/${pid}/cgroup`, 'utf8'));
        cancel.abort(new Error('seen'));
        return agent;
      });
      await runWith(
        {
          sandbox: { memory_mb: 512, pids: 256 },
          agents: [
            {
              name: 'limited',
              model: 'none',
              role: 'implementer',
              command: `sh -c 'touch ready; sleep 600; true' ${marker}`,
            },
          ],
        },
        { signal: cancel.signal },
      );
      const agent = await seen;
      const worker = ownCgroups(readFileSync('/proc/self/cgroup', 'utf8'));
      for (const controller of ['memory', 'pids']) {
        const own = worker.get(controller) ?? '/';
        const isOwnWritable = own !== '/' && isWritable(join('/sys/fs/cgroup', controller, own));
        expect({ controller, cgroup: agent.get(controller) }).toEqual({
          controller,
          cgroup: expect.stringMatching(
            isOwnWritable ? `^${own}/solar-circuit-agent-\\d+-\\d+$` : '^/solar-circuit/agent-\\d+-\\d+$',
          ),
        });
      }
    });
  });

  it('ends an agent that outgrows sandbox.memory_mb', async () => {
    const command = `node -e "const kept = []; for (;;) kept.push(Buffer.alloc(8 * 1024 * 1024, 1))"`;
    const report = await run({
      sandbox: { memory_mb: 128 },
      phase_timeout: { coding: 60 },
      agents: [{ name: 'hog', model: 'none', role: 'implementer', command }],
    });
    expect(report.status).toBe('failure');
    expect(report.summary).toMatch(/hog .*: exit (by signal|137)/);
  });

  describe('leaves nothing running once the phase stops: not a process in a session of its own, a double fork, one ignoring SIGTERM', () => {
    // A Claude Code stream line with usage: the command agent's tokens, counted against the budget.
    const usage = JSON.stringify({
      type: 'assistant',
      message: {
        id: 'msg_1',
        type: 'message',
        role: 'assistant',
        model: 'sonnet',
        content: [],
        usage: { input_tokens: 1000, output_tokens: 10, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
      },
    });
    const stops = [
      ['its phase times out', 'timeout', /timed out/, { phase_timeout: { coding: 3 } }, ''],
      ['it is cancelled', 'cancelled', /^cancelled: cancel requested$/, {}, ''],
      [
        'it passes budget.max_tokens',
        'failure',
        /^budget_exceeded: 1010 tokens used/,
        { budget: { max_tokens: 100 } },
        `printf '%s\\n' '${usage}'`,
      ],
    ] as const;

    it.each(stops)('when %s', async (_when, status, error, order: Partial<StoredWorkOrder>, then) => {
      const marker = `sc-escapee-${process.pid}-${Date.now()}`;
      const worktree = join(dataDir, 'worktrees', 'round-sandbox', '1', 'forker');
      const cancel = new AbortController();
      let stoppedAt: number | undefined;
      const gone = until(() => areEscapeesRunning(worktree), { timeoutMs: 30_000, what: 'the escapees running' }).then(
        async () => {
          // A cancel stops the phase now, the budget as soon as the agent reports its tokens (now too); when a
          // timeout stops it is not seen from here: from its report on.
          if (status !== 'timeout') stoppedAt = Date.now();
          if (status === 'cancelled') cancel.abort(new Error('cancel requested'));
        },
      );
      const report = await runWith(
        {
          ...order,
          agents: [{ name: 'forker', model: 'sonnet', role: 'implementer', command: escapeesCommand(marker, then) }],
        },
        { signal: cancel.signal },
      );
      await gone;
      stoppedAt ??= Date.now();
      expect({ status: report.status, error: report.error }).toEqual({ status, error: expect.stringMatching(error) });
      await until(() => processesWith(marker).length === 0, { timeoutMs: 5_000, what: 'no escapee left' });
      expect(Date.now() - stoppedAt).toBeLessThan(5_000);
    });
  });
});

function isWritable(folder: string): boolean {
  try {
    accessSync(folder, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}
