import type { Report, StoredWorkOrder, WorkOrderJob } from '@sc/schemas';
import { validateReport } from '@sc/schemas';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import {
  agentCliCases,
  expectedTokenUsage,
  sortedTokenUsage,
  upstreamKey,
  type AgentCliCase,
} from '../../../test/support/agent-cli-cases';
import { agentCliBinDir } from '../../../test/support/agent-clis';
import type { FakeModelOptions, FakeModelServer } from '../../../test/support/fake-model-servers/fake-model-server';
import { createLocalArtifactStore } from '../src/artifacts/local.artifact-store';
import { ModelGateway } from '../src/model-gateway/model-gateway';
import { loadUpstreams } from '../src/model-gateway/upstreams';
import { PluginRegistry } from '../src/plugin-registry';
import { createAgentCliPlugin } from '../src/plugins/agent-cli/agent-cli.plugin';
import { createTestRepository, git } from '../../../test/support/test-repository';
import { ModelPrices } from '../src/pricing/model-prices';
import { runRound } from '../src/run-round';
import { processesWith } from '../../../test/support/processes';
import { until } from '../../../test/support/until';

// The real agent CLIs (pinned, installed by scripts/install-agent-clis.js) run through the runner and the model
// gateway against the project's fake model servers. When a CLI release changes its contract, this suite says so.
const binDir = agentCliBinDir();
if (!binDir)
  console.log(
    'agent-clis.e2e-spec: the agent CLIs are not installed (scripts/install-agent-clis.js could not reach the npm registry); skipping',
  );
const describeWithClis = binDir ? describe : describe.skip;

const usage = { input: 1000, output: 50, cacheRead: 300, cacheWrite: 20 };

const branch = 'feat/wo-20261207-real-agents';

describeWithClis.each(agentCliCases)('$name through the model gateway', (cli: AgentCliCase) => {
  let root: string;
  let repo: string;
  let dataDir: string;
  let server: FakeModelServer;
  let gateway: ModelGateway;
  const saved = { PATH: process.env.PATH, HOME: process.env.HOME };

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), `sc-real-${cli.name}-`));
    repo = join(root, 'repo');
    dataDir = join(root, 'data');
    createTestRepository(repo);
    // The CLIs keep settings and sessions in $HOME: a fresh one per test, as on a new machine.
    process.env.HOME = mkdtempSync(join(root, 'home-'));
    process.env.PATH = `${binDir}:${saved.PATH}`;
  });

  afterEach(async () => {
    Object.assign(process.env, saved);
    await gateway?.close();
    await server?.close();
    rmSync(root, { recursive: true, force: true });
  });

  async function start(options: FakeModelOptions = {}): Promise<void> {
    server = await cli.startServer({ usage, ...options });
    gateway = new ModelGateway(loadUpstreams(cli.upstreamEnv(server)), new ModelPrices());
  }

  function job(order: Partial<StoredWorkOrder> = {}): WorkOrderJob {
    return {
      round_id: `round-${cli.name}`,
      workorder_id: 'wo-real',
      attempt: 1,
      order: {
        id: 'wo-real',
        title: 'Real agents',
        instructions: 'Write hello.txt, then run the check.',
        plugin: 'agent-cli',
        branch,
        phases: ['coding'],
        priority: 5,
        repo: { path: repo },
        agents: [{ name: cli.name, model: cli.model, role: 'implementer' }],
        ...order,
      },
    };
  }

  async function run(
    order: Partial<StoredWorkOrder> = {},
    signal?: AbortSignal,
    attempt: Partial<WorkOrderJob> = {},
    host: { dataDir?: string; waitMinMs?: number } = {},
  ): Promise<Report> {
    const registry = new PluginRegistry();
    registry.register(createAgentCliPlugin(), 'built-in');
    const report = await runRound(
      { ...job(order), ...attempt },
      {
        registry,
        signal,
        logger: pino({ level: 'silent' }),
        worker: 'test',
        // Artifacts are shared (as S3 is between hosts); the data folder with worktrees and scratch is the host's.
        dataDir: host.dataDir ?? dataDir,
        artifacts: createLocalArtifactStore({ dataDir }),
        killGraceMs: 1_000,
        gateway,
        waitMinMs: host.waitMinMs,
      },
    );
    expect(validateReport(report)).toMatchObject({ ok: true });
    return report;
  }

  it('edits a file and runs a shell command in a fresh worktree, unattended; every token and cent is counted', async () => {
    await start({
      script: [
        { kind: 'write', path: 'hello.txt', content: 'hello from the fake model\n' },
        {
          kind: 'shell',
          command:
            "node -e \"require('fs').writeFileSync('ran.txt', process.version)\" && (env | grep -c upstream-secret > leaked.txt || true)",
        },
      ],
    });
    const report = await run({ phases: ['coding', 'testing'], acceptance: ['test -f hello.txt', 'test -f ran.txt'] });
    expect(report).toMatchObject({ status: 'success' });
    expect(git(repo, 'show', `${branch}:hello.txt`)).toBe('hello from the fake model');
    expect(git(repo, 'show', `${branch}:ran.txt`)).toBe(process.version);
    // The agent's environment held no upstream key: the gateway added it to each forwarded call.
    expect(git(repo, 'show', `${branch}:leaked.txt`)).toBe('0');
    const modelCalls = server.calls.filter((call) => call.delivered);
    expect(modelCalls.length).toBeGreaterThanOrEqual(3);
    expect(modelCalls.every((call) => JSON.stringify(call.headers).includes(upstreamKey))).toBe(true);
    expect(sortedTokenUsage(report)).toEqual(expectedTokenUsage(cli, server, usage));
    expect(report.cost_usd).toBeCloseTo(
      report.token_usage.reduce((sum, entry) => sum + (entry.cost_usd ?? 0), 0),
      9,
    );
    expect(report.cost_usd).toBeGreaterThan(0);
    expect(readdirSync(join(dataDir, 'worktrees'))).toEqual([]);
    // The session is recorded, and its transcript kept where any worker can fetch it.
    expect(report.sessions).toEqual([
      { agent: cli.name, attempt: 1, session_id: expect.stringMatching(/^[\w-]{8,}$/), resumed_from_attempt: null },
    ]);
    const transcripts = report.artifacts.filter((artifact) => artifact.name.startsWith(`sessions/${cli.name}/`));
    expect(transcripts.length).toBeGreaterThan(0);
    expect(
      transcripts.every(
        (artifact) => artifact.name.includes(report.sessions![0].session_id.slice(0, 8)) && artifact.bytes > 0,
      ),
    ).toBe(true);
  });

  it.each([
    ['budget.max_tokens', { max_tokens: 1 }, /^budget_exceeded: \d+ tokens used, budget\.max_tokens is 1$/],
    [
      'budget.max_cost_usd',
      { max_cost_usd: 0.000001 },
      /^budget_exceeded: \$[\d.e-]+ spent, budget\.max_cost_usd is \$0\.000001$/,
    ],
  ])(
    'stops at the call once %s is reached: no further model call leaves, the work so far is committed',
    async (_what, budget, error) => {
      await start();
      const report = await run({ budget });
      expect(report.status).toBe('failure');
      expect(report.error).toMatch(error);
      // The first turn asked to write hello.txt; no turn after it reached the model.
      expect(server.calls.filter((call) => call.agentTurn)).toHaveLength(1);
      expect(sortedTokenUsage(report)).toEqual(expectedTokenUsage(cli, server, usage));
    },
  );

  it('counts the calls answered before a hung model call when the phase times out', async () => {
    await start({ fault: { kind: 'hang', fromCall: 1 } });
    const report = await run({ phase_timeout: { coding: 6 } });
    expect(report).toMatchObject({ status: 'timeout', error: 'phase coding timed out after 6 s' });
    expect(server.calls.filter((call) => call.agentTurn && !call.delivered).length).toBeGreaterThanOrEqual(1);
    expect(sortedTokenUsage(report)).toEqual(expectedTokenUsage(cli, server, usage));
    expect(report.token_usage.length).toBeGreaterThan(0);
  });

  it('resumes the session of the attempt before on a retry: the model sees the earlier conversation', async () => {
    await start();
    const first = await run();
    expect(first.status).toBe('success');
    const firstSession = first.sessions![0];
    const callsBefore = server.calls.filter((call) => call.agentTurn).length;
    const resumeFrom = {
      attempt: 1,
      sessions: [{ agent: cli.name, session_id: firstSession.session_id }],
      transcripts: first.artifacts.map((artifact) => artifact.name).filter((name) => name.startsWith('sessions/')),
    };
    const second = await run({}, undefined, { attempt: 2, resume_from: resumeFrom });
    expect(second.status).toBe('success');
    const retryCall = server.calls.filter((call) => call.agentTurn)[callsBefore];
    // The first call of attempt 2 carries attempt 1's tool results and the note, not a fresh conversation.
    expect(cli.toolResults(retryCall)).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(retryCall.body)).toContain('a retry: you continue your session of attempt 1');
    expect(second.sessions).toEqual([
      { agent: cli.name, attempt: 2, session_id: expect.any(String), resumed_from_attempt: 1 },
    ]);
    expect(second.summary).toContain('resumed its session of attempt 1');

    // Without the transcripts the session cannot go on: the agent starts over, and the Report says so.
    const third = await run({}, undefined, { attempt: 3, resume_from: { ...resumeFrom, transcripts: [] } });
    expect(third.status).toBe('success');
    expect(third.summary).toContain('could not resume its session of attempt 1 (no transcript kept): started over');
    expect(third.sessions![0].resumed_from_attempt).toBeNull();
  });

  it("after a rate limit's wait, the attempt's next run continues the session: the model sees the conversation so far", async () => {
    // The second turn answers 429 with a reset 30 s away (past SC_WAIT_MIN_S): the attempt is handed back to wait.
    await start({ fault: { kind: '429', times: 1, fromCall: 1, retryAfterS: 30 } });
    await expect(run({}, undefined, {}, { waitMinMs: 1000 })).rejects.toMatchObject({
      name: 'RateLimitedError',
      message: expect.stringMatching(/^rate_limited until /),
    });
    const callsBefore = server.calls.filter((call) => call.agentTurn).length;
    // The wait is over: the same attempt runs again, from scratch on this host (its folders were released).
    const report = await run({}, undefined, {}, { waitMinMs: 1000 });
    expect(report.status).toBe('success');
    const resumed = server.calls.filter((call) => call.agentTurn)[callsBefore];
    expect(cli.toolResults(resumed)).toBeGreaterThanOrEqual(1);
    expect(JSON.stringify(resumed.body)).toContain('Your run was stopped (rate_limited until');
    expect(git(repo, 'show', `${branch}:ran.txt`)).toBe(process.version);
  });

  it("a run of the attempt on another host continues the session the attempt's artifacts keep", async () => {
    await start({ fault: { kind: 'hang', fromCall: 1, count: 1 } });
    const stop = new AbortController();
    const stopOnSecondTurn = setInterval(
      () => server.calls.filter((call) => call.agentTurn).length >= 2 && stop.abort(new Error('worker stopping')),
      50,
    );
    try {
      expect((await run({}, stop.signal)).status).toBe('cancelled');
    } finally {
      clearInterval(stopOnSecondTurn);
    }
    const callsBefore = server.calls.filter((call) => call.agentTurn).length;
    const report = await run({}, undefined, {}, { dataDir: join(root, 'other-host') });
    expect(report.status).toBe('success');
    const resumed = server.calls.filter((call) => call.agentTurn)[callsBefore];
    expect(cli.toolResults(resumed)).toBeGreaterThanOrEqual(1);
    expect(JSON.stringify(resumed.body)).toContain('Your run was stopped (worker stopping)');
  });

  it('starts over, and says so, when the CLI cannot continue the session it is given', async () => {
    await start();
    // A session the CLI never wrote: its transcript is not one.
    const sessionId = '0c3f6a52-5b0e-4c1e-9a51-2f1f7d3e9b11';
    const transcript = `sessions/${cli.name}/${sessionId}.jsonl`;
    await createLocalArtifactStore({ dataDir }).put(
      { roundId: `round-${cli.name}`, attempt: 1 },
      transcript,
      '{"junk":\n',
    );
    const resumeFrom = {
      attempt: 1,
      sessions: [{ agent: cli.name, session_id: sessionId }],
      transcripts: [transcript],
    };
    const report = await run({}, undefined, { attempt: 2, resume_from: resumeFrom });
    expect(report.status).toBe('success');
    expect(report.summary).toContain(`could not resume its session ${sessionId}`);
    const first = server.calls.find((call) => call.agentTurn)!;
    expect(JSON.stringify(first.body)).toContain('could not be resumed, so you start over');
  });

  it('stops an agent whose model call hangs (idle_timeout), resumes its session once, and it finishes', async () => {
    await start({ fault: { kind: 'hang', fromCall: 1, count: 1 } });
    // Long enough for the slowest CLI to start silently (Gemini CLI takes 2–4 s here, more on a loaded machine),
    // short enough for a test.
    const report = await run({ idle_timeout: 8, phase_timeout: { coding: 60 } });
    expect(report.status).toBe('success');
    const turns = server.calls.filter((call) => call.agentTurn);
    expect(turns[1].delivered).toBe(false);
    // The turn after the hang carries the conversation so far (the first tool's result): a resume, not a restart.
    expect(cli.toolResults(turns[2])).toBeGreaterThanOrEqual(1);
    expect(JSON.stringify(turns[2].body)).toContain('without any output or model call');
    expect(sortedTokenUsage(report)).toEqual(expectedTokenUsage(cli, server, usage));
  });

  it('ends the phase timed out, reason idle, when the agent goes silent again after its resume', async () => {
    await start({ fault: { kind: 'hang', fromCall: 1 } });
    const report = await run({
      agents: [{ name: cli.name, model: cli.model, role: 'implementer', idle_timeout: 'PT2S' }],
      phase_timeout: { coding: 60 },
    });
    expect(report).toMatchObject({
      status: 'timeout',
      error: expect.stringMatching(
        new RegExp(`^idle_timeout: ${cli.name} had no output and made no model call for 2 s, twice$`),
      ),
    });
    expect(report.phases[0]).toMatchObject({ status: 'timeout' });
  });

  it('counts the calls answered before a cancel', async () => {
    await start({ fault: { kind: 'hang', fromCall: 1 } });
    const cancel = new AbortController();
    const cancelOnceAnswered = setInterval(
      () =>
        server.calls.some((call) => call.agentTurn && call.delivered) &&
        existsSync(join(dataDir, 'worktrees')) &&
        cancel.abort(new Error('cancel requested')),
      50,
    );
    try {
      const report = await run({}, cancel.signal);
      expect(report).toMatchObject({ status: 'cancelled' });
      expect(sortedTokenUsage(report)).toEqual(expectedTokenUsage(cli, server, usage));
    } finally {
      clearInterval(cancelOnceAnswered);
    }
  });

  it('counts what a model call cut off mid-stream had delivered, and every call after it', async () => {
    await start({ fault: { kind: 'cut-off', call: 1, afterEvents: 1 } });
    const report = await run();
    // Claude Code and Codex retry the cut call and finish; Gemini CLI gives up.
    expect(report.status).toBe(cli.name === 'gemini' ? 'failure' : 'success');
    expect(sortedTokenUsage(report)).toEqual(
      expectedTokenUsage(cli, server, usage, { [cli.model]: cli.deliveredBeforeCut(usage) }),
    );
  });

  it('narrowed to read-only tools, cannot write, and the refusal is in the log and the phase result', async () => {
    await start({ script: [{ kind: 'write', path: 'hello.txt', content: 'must not be written\n' }] });
    const report = await run({ agents: [{ name: cli.name, model: cli.model, role: 'reviewer', tools: 'read-only' }] });
    expect(report.commits).toEqual([]);
    expect(report.phases[0].refusals).toEqual([expect.objectContaining({ agent: cli.name, tool: expect.any(String) })]);
    expect(report.summary).toMatch(/1 tool call\(s\) refused/);
  });

  it('confines the shell commands the model asks for: no write outside the worktree, no secret, nothing left running, a fork bomb ends the agent', async () => {
    const marker = `sc-cli-escapee-${cli.name}-${Date.now()}`;
    const otherRound = join(dataDir, 'worktrees', 'round-other', '1', cli.name);
    mkdirSync(otherRound, { recursive: true });
    const targets = {
      checkout: join(repo, 'README.md'),
      "worker's home": join(process.env.HOME!, 'owned.txt'),
      'other round': join(otherRound, 'owned.txt'),
      'data folder': join(dataDir, 'owned.txt'),
      etc: '/etc/sc-owned',
    };
    const attempts = Object.entries(targets).map(
      ([name, target]) =>
        `((echo owned > "${target}") 2>/dev/null && echo "${name}: written" || echo "${name}: refused") >> attempts.txt`,
    );
    // Each escapee keeps the marker in its command line ($0 of its shell; the bomb's forks inherit theirs).
    const command = [
      ...attempts,
      'env > env.txt',
      `(setsid sh -c 'sleep 600; true' ${marker}-setsid > /dev/null 2>&1 &)`,
      `(setsid sh -c "trap '' TERM; sleep 1000; true" ${marker}-term > /dev/null 2>&1 &)`,
    ].join('; ');
    process.env.DATABASE_URL = 'postgres://sc:db-secret-1@db/sc';
    process.env.SC_API_TOKEN = 'api-secret-2';
    // In a script: Claude Code itself refuses a Bash command whose redirections point outside the project.
    await start({
      script: [
        { kind: 'write', path: 'escape.sh', content: `${command}\n` },
        { kind: 'shell', command: 'sh escape.sh' },
        // The shell call does not return: the agent cannot end by itself before the bomb ends it.
        {
          kind: 'write',
          path: 'bomb.sh',
          content: 'bomb() { bomb | bomb & }\n(bomb) > /dev/null 2>&1 &\nexec sleep 600\n',
        },
        { kind: 'shell', command: `sh bomb.sh ${marker}-bomb` },
      ],
    });
    // Room for the CLI's own threads; the bomb fills the rest at once.
    const report = await run({ sandbox: { pids: 512 } });
    // The bomb ended the agent (killed by the sandbox, or aborted when it could not start a thread), not this
    // process; its work so far is committed.
    expect({ status: report.phases[0].status, refusals: report.phases[0].refusals }).toEqual({
      status: 'failure',
      refusals: undefined,
    });
    expect(report.phases[0].exit_code).not.toBe(0);
    expect(git(repo, 'show', `${branch}:attempts.txt`).split('\n')).toEqual(
      Object.keys(targets).map((name) => `${name}: refused`),
    );
    for (const target of Object.values(targets).slice(1)) expect(existsSync(target)).toBe(false);
    const env = git(repo, 'show', `${branch}:env.txt`);
    for (const secret of ['db-secret-1', 'api-secret-2', upstreamKey])
      expect({ secret, leaked: env.includes(secret) }).toEqual({ secret, leaked: false });
    await until(() => processesWith(marker).length === 0, { timeoutMs: 5_000, what: 'no escapee left' });
    delete process.env.DATABASE_URL;
    delete process.env.SC_API_TOKEN;
  });

  it('with sandbox.network "model-only" reaches its model through the gateway and nothing else', async () => {
    const outside = createServer((socket) => socket.end('outside\n'));
    outside.listen(0, '127.0.0.1');
    await once(outside, 'listening');
    const port = (outside.address() as AddressInfo).port;
    try {
      const probe = `node -e "require('net').connect(${port}, '127.0.0.1').on('connect', () => require('fs').writeFileSync('reached.txt', 'yes')).on('error', (e) => require('fs').writeFileSync('reached.txt', e.code))"`;
      await start({ script: [{ kind: 'shell', command: probe }] });
      const report = await run({ sandbox: { network: 'model-only' } });
      expect(report.status).toBe('success');
      expect(git(repo, 'show', `${branch}:reached.txt`)).toBe('ECONNREFUSED');
      expect(server.calls.filter((call) => call.delivered).length).toBeGreaterThanOrEqual(2);
    } finally {
      outside.close();
    }
  });

  it('hands over instructions past the 128 KiB argv and environment limit', async () => {
    await start({ script: [] });
    const marker = 'END-OF-LONG-INSTRUCTIONS';
    const instructions = `${'Keep this line in mind. '.repeat(8_000)}\n${marker}`;
    const report = await run({ instructions });
    expect(report.status).toBe('success');
    expect(server.calls.some((call) => call.agentTurn && JSON.stringify(call.body).includes(marker))).toBe(true);
  });
});
