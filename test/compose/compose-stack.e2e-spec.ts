import { DEFAULT_KILL_GRACE_MS } from '@sc/plugin-sdk';
import type { Report, RoundView, StoredWorkOrder, SubmitWorkOrderResponse } from '@sc/schemas';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { composeFilePath, readComposeFile, repoRoot } from '../../scripts/compose-file';
import { agentCliCases, expectedTokenUsage, sortedTokenUsage } from '../support/agent-cli-cases';
import type { FakeModelServer } from '../support/fake-model-servers/fake-model-server';
import { freePort } from '../support/local-stack';
import { parsePrometheusText, sampleValue } from '../support/prometheus-text';
import { createTestRepository } from '../support/test-repository';
import { entryText, followRoundEvents } from '../support/round-event-stream';
import { until } from '../support/until';
import { docker, startDockerEngine } from './docker-engine';
import { ensureBaseImages, run } from './stand-in-images';

// `npm run test:compose`: docker-compose.yml under a real Docker engine — the images built from the Dockerfile, the
// stack brought up with `docker compose up`, and what a user does with it, agents included.
const engine = startDockerEngine();
if (typeof engine === 'string') console.log(`compose-stack.e2e-spec: skipped, ${engine}`);
const describeWithEngine = typeof engine === 'string' ? describe.skip : describe;

const project = 'sc-compose-test';
const composeFiles = ['-f', composeFilePath, '-f', join(__dirname, 'docker-compose.test.yml')];
/** Two orchestrators behind HAProxy (deploy/compose.replicas.yml), the proxy on the test's port. */
const replicasFiles = [
  ...composeFiles,
  '-f',
  join(repoRoot, 'deploy/compose.replicas.yml'),
  '-f',
  join(__dirname, 'docker-compose.replicas.test.yml'),
];
/** Where the worker containers see the test repository (docker-compose.test.yml mounts it). */
const repoInContainer = '/srv/repo';
/** The worker image's `node` user, who must own the repository the workers write branches into. */
const imageUid = 1000;
const usage = { input: 700, output: 40, cacheRead: 100, cacheWrite: 10 };
/** A cancel or a stop may take the kill grace (an agent ignoring SIGTERM), and 2 s more at most. */
const stopBoundMs = 2_000 + DEFAULT_KILL_GRACE_MS;
/** What the busy agent runs, found among the containers' processes: it never ends (Claude Code refuses a long sleep). */
const endlessCommand = 'tail -f /dev/null';

const execFileAsync = promisify(execFile);
const say = (line: string) => process.stdout.write(`compose: ${line}\n`);
const millis = (start: bigint) => Number((process.hrtime.bigint() - start) / 1_000_000n);

describeWithEngine('docker compose: the stack of docker-compose.yml under a real engine', () => {
  const { services } = readComposeFile();
  const images = { orchestrator: services.orchestrator.image!, worker: services.worker.image! };
  const nodeImage = /^ARG NODE_IMAGE=(\S+)$/m.exec(readFileSync(join(repoRoot, 'Dockerfile'), 'utf8'))![1];
  const claude = agentCliCases.find((cli) => cli.name === 'claude')!;
  const servers = new Map<string, FakeModelServer>();
  let busyClaudeApi: FakeModelServer;
  let composeEnv: NodeJS.ProcessEnv;
  let api: string;
  let repo: string;
  /** Where the stand-ins' build output goes (the images' own is in the error of a failed `docker compose build`). */
  let logFile: string;
  let echoRound: string;
  const agentRounds: string[] = [];

  async function compose(args: string[], files = composeFiles): Promise<string> {
    const run = async (composeArgs: string[]) =>
      (
        await execFileAsync('docker', ['compose', '-p', project, ...files, ...composeArgs], {
          env: composeEnv,
          cwd: repoRoot,
          maxBuffer: 64 * 1024 * 1024,
        })
      ).stdout;
    try {
      return await run(args);
    } catch (error) {
      const { stderr, stdout } = error as { stderr?: string; stdout?: string };
      // A container that would not come up says why in its own output.
      const logs = await run(['logs', '--tail', '20']).catch(() => '');
      throw new Error(
        `docker compose ${args.join(' ')} failed:\n${stdout ?? ''}${stderr ?? ''}\nlast log lines:\n${logs}`,
        { cause: error },
      );
    }
  }

  async function request<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const response = await fetch(`${api}${path}`, {
      method,
      headers: body ? { 'content-type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: response.status, body: (await response.json()) as T };
  }

  async function submit(order: Partial<StoredWorkOrder>): Promise<string> {
    const { status, body } = await request<SubmitWorkOrderResponse>('POST', '/workorders', {
      title: 'compose test',
      instructions: 'Write hello.txt, then run the command.',
      ...order,
    });
    expect({ status, body }).toEqual({ status: 200, body: expect.objectContaining({ status: 'queued' }) });
    return body.round_id;
  }

  const reportOf = (roundId: string, timeoutMs: number) =>
    until(
      async () => {
        const { status, body } = await request<Report>('GET', `/reports/${roundId}`);
        return status === 200 && body;
      },
      { timeoutMs, intervalMs: 250, what: `the report of ${roundId}` },
    );

  const roundOf = async (roundId: string) => (await request<RoundView>('GET', `/rounds/${roundId}`)).body;

  /** The processes of every running worker container (`docker top`, through the host's ps): state and command. */
  async function workerProcesses(): Promise<{ container: string; stat: string; args: string }[]> {
    const containers = (await compose(['ps', '--quiet', 'worker'])).split('\n').filter(Boolean);
    const processes = [];
    for (const container of containers) {
      // docker top needs the pid column: it keeps the processes of the container's cgroup by pid.
      const { stdout } = await execFileAsync('docker', ['top', container, '-eo', 'pid,stat,args']);
      for (const line of stdout.trim().split('\n').slice(1)) {
        const [, stat, ...args] = line.trim().split(/\s+/);
        processes.push({ container, stat, args: args.join(' ') });
      }
    }
    return processes;
  }

  const isZombie = (process: { stat: string }) => process.stat.startsWith('Z');

  /** Submits a Claude Round whose agent runs {@link endlessCommand} (as scripted by busyClaudeApi) and waits until it does. */
  async function busyAgentRound(branch: string): Promise<string> {
    const roundId = await submit({
      plugin: 'agent-cli',
      phases: ['coding'],
      repo: { path: repoInContainer },
      branch,
      agents: [{ name: 'claude', model: claude.model, role: 'implementer' }],
    });
    await until(async () => (await workerProcesses()).some((process) => process.args === endlessCommand), {
      timeoutMs: 60_000,
      intervalMs: 250,
      what: `the agent of ${roundId} running ${endlessCommand}`,
    });
    return roundId;
  }

  beforeAll(async () => {
    mkdirSync(join(repoRoot, 'test-output'), { recursive: true });
    logFile = join(repoRoot, 'test-output', 'compose-build.log');
    rmSync(logFile, { force: true });
    const proxyImage = readComposeFile(join(repoRoot, 'deploy/compose.replicas.yml')).services.proxy.image!;
    const standIns = ensureBaseImages(
      [nodeImage, services.redis.image!, services.postgres.image!, proxyImage],
      logFile,
    );
    if (standIns.length > 0)
      say(
        `Docker Hub out of reach: ${standIns.join(', ')} are test-only stand-ins built here from Debian and npm registry packages (never pushed)`,
      );

    // The fake model APIs listen on the engine's bridge gateway: the host, as the containers reach it. An engine
    // started for the first time may not name it in the network's IPAM yet (seen in CI): then docker0's address.
    const gateway =
      docker(['network', 'inspect', 'bridge', '--format', '{{range .IPAM.Config}}{{.Gateway}}{{end}}']).stdout.trim() ||
      (networkInterfaces().docker0 ?? []).find((address) => address.family === 'IPv4')?.address;
    if (!gateway) throw new Error("the engine's bridge has no gateway address, and there is no docker0 interface");
    for (const cli of agentCliCases) servers.set(cli.name, await cli.startServer({ usage, host: gateway }));
    busyClaudeApi = await claude.startServer({
      usage,
      host: gateway,
      script: [{ kind: 'shell', command: endlessCommand }],
    });
    repo = mkdtempSync(join(tmpdir(), 'sc-compose-repo-'));
    createTestRepository(repo);
    run('chown', ['-R', `${imageUid}:${imageUid}`, repo], logFile);
    composeEnv = {
      ...process.env,
      ...Object.assign({}, ...agentCliCases.map((cli) => cli.upstreamEnv(servers.get(cli.name)!))),
      SC_TEST_API_PORT: String(await freePort()),
      SC_TEST_REPO: repo,
      // What the tests rely on, whatever the shell sets: an open API, two Rounds per worker.
      SC_API_TOKEN: '',
      SC_WORKER_CONCURRENCY: '2',
    };
    api = `http://127.0.0.1:${composeEnv.SC_TEST_API_PORT}`;

    const started = process.hrtime.bigint();
    await compose(['build', 'orchestrator', 'worker']);
    say(`images built in ${Math.round(millis(started) / 1000)} s`);
    await compose(['down', '--volumes', '--remove-orphans']);
  }, 1_800_000);

  afterAll(async () => {
    if (composeEnv)
      await compose(['down', '--volumes', '--remove-orphans'], replicasFiles).catch((error: Error) =>
        say(error.message),
      );
    for (const server of [...servers.values(), busyClaudeApi]) await server?.close();
    if (repo) rmSync(repo, { recursive: true, force: true });
    if (typeof engine !== 'string') await engine.stop();
  }, 120_000);

  it('builds images that run production dependencies only, and a worker image with the pinned agent CLIs', async () => {
    const node = (image: string, script: string) =>
      docker(['run', '--rm', '--entrypoint', 'node', image, '-e', script]).stdout.trim();
    for (const image of Object.values(images)) {
      expect({
        image,
        devPackages: node(
          image,
          "for (const m of ['typescript', 'ts-node']) { try { require.resolve(m); console.log(m); } catch {} }",
        ),
      }).toEqual({ image, devPackages: '' });
    }
    const pins = JSON.parse(readFileSync(join(repoRoot, 'scripts', 'agent-cli-pins.json'), 'utf8')) as Record<
      string,
      string
    >;
    const versions = docker([
      'run',
      '--rm',
      images.worker,
      'sh',
      '-c',
      'claude --version; codex --version; gemini --version',
    ]).stdout;
    for (const version of Object.values(pins)) expect(versions).toContain(version);
    const megabytes = (image: string) =>
      Math.round(Number(docker(['image', 'inspect', '--format', '{{.Size}}', image]).stdout) / 1e6);
    say(
      `image sizes: orchestrator ${megabytes(images.orchestrator)} MB, worker ${megabytes(images.worker)} MB, on ${nodeImage} ${megabytes(nodeImage)} MB`,
    );
  });

  it('comes up healthy with `docker compose up --wait`, tini as PID 1 of the worker, agents sandboxed by bubblewrap', async () => {
    const started = process.hrtime.bigint();
    await compose(['up', '--detach', '--wait', 'orchestrator', 'worker']);
    say(`stack healthy in ${Math.round(millis(started) / 1000)} s`);
    expect((await fetch(`${api}/health`)).status).toBe(200);
    expect(await compose(['exec', '-T', 'worker', 'cat', '/proc/1/cmdline'])).toMatch(/^\/usr\/bin\/tini\0/);
    const metrics = await compose([
      'exec',
      '-T',
      'worker',
      'node',
      '-e',
      "fetch('http://127.0.0.1:' + process.env.SC_WORKER_METRICS_PORT + '/metrics').then((r) => r.text()).then((t) => process.stdout.write(t))",
    ]);
    expect(sampleValue(parsePrometheusText(metrics), 'worker_agent_sandbox', { mode: 'bubblewrap' })).toBe(1);
  }, 300_000);

  it('runs an echo Round to success, stored in Postgres', async () => {
    echoRound = await submit({ plugin: 'echo', phases: ['coding'] });
    expect((await reportOf(echoRound, 30_000)).status).toBe('success');
    expect(
      (
        await compose([
          'exec',
          '-T',
          'postgres',
          'psql',
          '-U',
          'sc',
          '-d',
          'sc',
          '-Atc',
          `select state from rounds where id = '${echoRound}'`,
        ])
      ).trim(),
    ).toBe('succeeded');
  }, 60_000);

  it('runs Claude Code, Codex and Gemini CLI inside the worker container, each against its fake model API, every token counted', async () => {
    agentRounds.push(
      ...(await Promise.all(
        agentCliCases.map((cli) =>
          submit({
            plugin: 'agent-cli',
            phases: ['coding', 'testing'],
            repo: { path: repoInContainer },
            branch: `feat/compose-${cli.name}`,
            agents: [{ name: cli.name, model: cli.model, role: 'implementer' }],
            acceptance: ['test -f hello.txt', 'test -f ran.txt'],
          }),
        ),
      )),
    );
    for (const [index, cli] of agentCliCases.entries()) {
      const report = await reportOf(agentRounds[index], 180_000);
      expect({
        cli: cli.name,
        status: report.status,
        ...(report.status === 'success' ? {} : { summary: report.summary }),
      }).toEqual({ cli: cli.name, status: 'success' });
      expect(sortedTokenUsage(report)).toEqual(expectedTokenUsage(cli, servers.get(cli.name)!, usage));
      // What the agent's shell command wrote: the worker container's Node, in the repository's branch.
      expect(
        await compose([
          'exec',
          '-T',
          'worker',
          'git',
          '-C',
          repoInContainer,
          'show',
          `feat/compose-${cli.name}:ran.txt`,
        ]),
      ).toMatch(/^v\d+\./);
    }
  }, 300_000);

  it('spreads Rounds over three workers after `up --scale worker=3`', async () => {
    // The workers come back with busyClaudeApi as Claude's model API, for the cancel and stop tests below.
    composeEnv.ANTHROPIC_BASE_URL = busyClaudeApi.url;
    await compose(['up', '--detach', '--wait', '--scale', 'worker=3', 'orchestrator', 'worker']);
    // Six Rounds of 5 s for three workers of two slots each: all run at once only when every worker takes two.
    const rounds = await Promise.all(
      [1, 2, 3, 4, 5, 6].map(() =>
        submit({
          plugin: 'shell',
          phases: ['coding'],
          repo: { path: repoInContainer },
          params: { commands: ['sleep 5'] },
        }),
      ),
    );
    const reports = await Promise.all(rounds.map((roundId) => reportOf(roundId, 60_000)));
    expect(reports.map((report) => report.status)).toEqual(Array(6).fill('success'));
    expect(new Set(reports.map((report) => report.worker)).size).toBe(3);
  }, 300_000);

  it(`cancels a running agent Round within ${stopBoundMs} ms, leaving no process and no zombie`, async () => {
    const roundId = await busyAgentRound('feat/compose-cancel');
    const started = process.hrtime.bigint();
    expect((await request('POST', `/rounds/${roundId}/cancel`)).status).toBe(200);
    await until(async () => (await roundOf(roundId)).state === 'cancelled', {
      timeoutMs: 60_000,
      intervalMs: 20,
      what: `${roundId} cancelled`,
    });
    const elapsed = millis(started);
    say(`cancel of a running agent Round: ${elapsed} ms`);
    expect(elapsed).toBeLessThan(stopBoundMs);
    const left = await until(
      async () => {
        const processes = (await workerProcesses()).filter(
          (process) => isZombie(process) || process.args === endlessCommand,
        );
        return processes.length === 0 ? [] : undefined;
      },
      { timeoutMs: 5_000, intervalMs: 100, what: 'no zombie and no agent process in the workers' },
    );
    expect(left).toEqual([]);
  }, 120_000);

  it(`stops the workers within ${stopBoundMs} ms while a Round runs; the Round goes back to the queue and a worker takes it again`, async () => {
    const roundId = await busyAgentRound('feat/compose-stop');
    const containers = (await compose(['ps', '--quiet', 'worker'])).split('\n').filter(Boolean);
    expect(containers).toHaveLength(3);
    const zombies = (await workerProcesses()).filter(isZombie);
    expect(zombies).toEqual([]);
    const started = process.hrtime.bigint();
    await compose(['stop', 'worker']);
    const elapsed = millis(started);
    say(`docker compose stop worker (3 workers, one running an agent): ${elapsed} ms`);
    expect(elapsed).toBeLessThan(stopBoundMs);
    for (const container of containers)
      expect(docker(['inspect', '--format', '{{.State.ExitCode}}', container]).stdout.trim()).toBe('0');
    const round = await until(
      async () => ((await roundOf(roundId)).state === 'retrying' ? roundOf(roundId) : undefined),
      { timeoutMs: 30_000, what: `${roundId} back in the queue` },
    );
    expect(round.transitions.at(-1)!.reason).toContain('worker shutting down');

    // A worker takes it again: its agent asks the model again (continuing its session, see the long-work tests).
    const callsBefore = busyClaudeApi.calls.length;
    await compose(['start', 'worker']);
    await until(() => busyClaudeApi.calls.length > callsBefore, {
      timeoutMs: 60_000,
      intervalMs: 250,
      what: `a worker running ${roundId} again`,
    });
    // The resumed agent may be done at once (its command counted as interrupted) or run the command again.
    expect([200, 409]).toContain((await request('POST', `/rounds/${roundId}/cancel`)).status);
    await until(async () => ['cancelled', 'succeeded'].includes((await roundOf(roundId)).state), {
      timeoutMs: 30_000,
      what: `${roundId} ended`,
    });
  }, 180_000);

  it('keeps Rounds and Reports across `docker compose down` and `up`', async () => {
    await compose(['down']);
    await compose(['up', '--detach', '--wait', 'orchestrator', 'worker']);
    expect((await roundOf(echoRound)).state).toBe('succeeded');
    for (const roundId of [echoRound, ...agentRounds]) expect((await reportOf(roundId, 10_000)).status).toBe('success');
  }, 300_000);

  it('serves the API and every event stream through HAProxy from two orchestrators while each is stopped in turn', async () => {
    await compose(['down']);
    const started = process.hrtime.bigint();
    await compose(['up', '--detach', '--wait', 'orchestrator', 'worker', 'proxy'], replicasFiles);
    say(`two orchestrators behind HAProxy healthy in ${Math.round(millis(started) / 1000)} s`);
    const replicas = (await compose(['ps', '--quiet', 'orchestrator'], replicasFiles)).split('\n').filter(Boolean);
    expect(replicas).toHaveLength(2);
    // Stored before: the replicas share the one Postgres.
    expect((await roundOf(echoRound)).state).toBe('succeeded');

    const lines = 60;
    const roundId = await submit({
      plugin: 'shell',
      phases: ['coding'],
      params: { commands: [`for i in $(seq 1 ${lines}); do echo line-$i; sleep 0.5; done`] },
    });
    const following = followRoundEvents(roundId, () => api, 120_000);
    /**
     * A submit as a client behind a load balancer makes it: with an idempotency key, sent again when no replica
     * took it (the connection failed, or the proxy had none up: 502/503). Any other answer is the test's to see.
     */
    const submitThroughProxy = async (): Promise<string> => {
      const key = randomUUID();
      const answer = await until(
        async () => {
          const response = await fetch(`${api}/workorders`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'idempotency-key': key },
            body: JSON.stringify({ title: 'through the proxy', instructions: 'Echo.', plugin: 'echo' }),
          }).catch(() => undefined);
          if (!response || response.status === 502 || response.status === 503) return undefined;
          return { status: response.status, body: (await response.json()) as SubmitWorkOrderResponse };
        },
        { timeoutMs: 30_000, intervalMs: 250, what: 'a submit taken through the proxy' },
      );
      expect(answer).toEqual({ status: 200, body: expect.objectContaining({ status: 'queued' }) });
      return answer.body.round_id;
    };
    const echoes: string[] = [];
    for (const replica of replicas) {
      await until(async () => (await roundOf(roundId)).state === 'running', { what: `${roundId} running` });
      await sleep(3_000);
      // A stopped replica closes its event streams: the follower comes back through the proxy, after its last event.
      const stopping = execFileAsync('docker', ['stop', replica]);
      for (let i = 0; i < 5; i++) echoes.push(await submitThroughProxy());
      await stopping;
      docker(['start', replica]);
      await until(
        () => docker(['inspect', '--format', '{{.State.Health.Status}}', replica]).stdout.trim() === 'healthy',
        {
          timeoutMs: 60_000,
          what: `${replica} healthy again`,
        },
      );
    }
    const seen = await following;
    const printed = seen.map(entryText);
    expect(printed.filter((line) => line.startsWith('line-'))).toEqual(
      Array.from({ length: lines }, (_, i) => `line-${i + 1}`),
    );
    expect(printed.at(-1)).toBe('running → succeeded');
    for (const echo of echoes) expect((await reportOf(echo, 60_000)).status).toBe('success');
  }, 300_000);
});
