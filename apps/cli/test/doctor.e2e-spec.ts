import { describeRedis, EnvReader, readRedisSettings } from '@sc/infrastructure';
import type { HealthChecksView, WorkerHeartbeat } from '@sc/schemas';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../../test/support/local-stack';
import { SentinelGroup } from '../../../test/support/redis-sentinel-group';
import { runSc } from './run-sc';

describe('sc doctor', () => {
  it('prints and returns the Redis and API URLs with their passwords masked', async () => {
    const [redisPort, apiPort] = [await freePort(), await freePort()];
    const env = {
      REDIS_URL: `redis://default:redis-secret@127.0.0.1:${redisPort}`,
      SC_API_URL: `http://sc:api-secret@127.0.0.1:${apiPort}`,
    };
    for (const args of [['doctor'], ['doctor', '--json']]) {
      const { code, stdout, stderr } = await runSc(args, { env });
      expect({ code, secrets: `${stdout}${stderr}`.match(/redis-secret|api-secret/g) }).toEqual({
        code: 1,
        secrets: null,
      });
      expect(stdout).toContain(`redis://default:***@127.0.0.1:${redisPort}: connection refused`);
      expect(stdout).toContain(`http://sc:***@127.0.0.1:${apiPort}`);
    }
  });
});

describe('sc doctor with Redis through Sentinel', () => {
  let group: SentinelGroup;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sc-doctor-sentinel-'));
    group = await SentinelGroup.startOnLoopback({ dir });
  });

  afterAll(async () => {
    await group?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('asks the Sentinels for the master and pings it, before and after a failover', async () => {
    const env = { ...group.env, REDIS_URL: '', SC_API_URL: `http://127.0.0.1:${await freePort()}` };
    const redisCheck = async () => {
      const { stdout } = await runSc(['doctor', '--json'], { env });
      return (JSON.parse(stdout) as { checks: { name: string; ok: boolean; detail: string }[] }).checks.find(
        (check) => check.name === 'redis',
      );
    };
    expect(await redisCheck()).toEqual({
      name: 'redis',
      ok: true,
      detail: `${describeRedis(readRedisSettings(new EnvReader(group.env)))}: master 127.0.0.1:${await group.masterPort()} answers PING`,
    });
    const promoted = await group.failOver();
    expect((await redisCheck())?.detail).toMatch(new RegExp(`master 127\\.0\\.0\\.1:${promoted} answers PING$`));
  });

  it('names what is missing in one line', async () => {
    const { stdout } = await runSc(['doctor'], { env: { REDIS_SENTINELS: group.env.REDIS_SENTINELS } });
    expect(stdout).toContain('✗ redis: REDIS_SENTINEL_MASTER: expected the master name the Sentinels monitor, got ""');
  });
});

describe('sc doctor and the workers GET /health lists', () => {
  let server: Server;
  let answer: { status: number; body: unknown };
  let env: NodeJS.ProcessEnv;

  const checks = (workers: HealthChecksView['workers']): HealthChecksView => ({
    database: { status: 'up' },
    redis: { status: 'up' },
    ...(workers ? { workers } : {}),
  });
  const healthy = (workers?: HealthChecksView['workers']) => ({
    status: 200,
    body: { status: 'ok', info: checks(workers), error: {}, details: checks(workers) },
  });
  const worker = (name: string, sandbox: WorkerHeartbeat['sandbox'], sandbox_reason: string): WorkerHeartbeat => ({
    name,
    hostname: name.split(':')[0],
    pid: Number(name.split(':')[1]),
    sandbox,
    sandbox_reason,
    concurrency: 2,
    version: '0.1.0',
    started_at: '2026-01-01T00:00:00.000Z',
    last_seen: '2026-01-01T00:00:05.000Z',
  });
  const confined = worker('a-host:11', 'bubblewrap', 'agents run in bubblewrap sandboxes');
  const unconfined = worker('b-host:12', 'off', 'SC_AGENT_SANDBOX=off: agents run unconfined (unsafe)');
  const refusing = worker('c-host:13', 'unavailable', 'bwrap is not installed (apt install bubblewrap)');
  const doctorLines = async () => {
    const { code, stdout } = await runSc(['doctor'], { env });
    return { code, lines: stdout.split('\n').filter((line) => / (workers?|sandbox)\b/.test(line)) };
  };

  beforeAll(async () => {
    // A stand-in orchestrator: what /health answers is the test's to say.
    server = createServer((_request, response) => {
      response.writeHead(answer.status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(answer.body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    // The local check unconfined on purpose too, so that it passes on any machine.
    env = { SC_API_URL: `http://127.0.0.1:${port}`, SC_AGENT_SANDBOX: 'off' };
  });
  afterAll(() => new Promise((resolve) => server?.close(resolve)));

  it('shows one line per worker: ✓ bubblewrap, ! off (unconfined), ✗ unavailable (refuses agent work), exit 1', async () => {
    answer = healthy({ status: 'up', processes: [confined, unconfined, refusing] });
    expect(await doctorLines()).toEqual({
      code: 1,
      lines: [
        '! sandbox: off: SC_AGENT_SANDBOX=off: agents run unconfined (unsafe)',
        '✓ worker a-host:11: bubblewrap: agents run in bubblewrap sandboxes; 2 Round(s) at once, v0.1.0',
        '! worker b-host:12: off: agents run unconfined (SC_AGENT_SANDBOX=off, unsafe); 2 Round(s) at once, v0.1.0',
        '✗ worker c-host:13: unavailable: refuses agent work (bwrap is not installed (apt install bubblewrap)); 2 Round(s) at once, v0.1.0',
      ],
    });
  });

  it('passes with confined and unconfined workers, and returns them with --json', async () => {
    answer = healthy({ status: 'up', processes: [confined, unconfined] });
    const { code, stdout } = await runSc(['doctor', '--json'], { env });
    const result = JSON.parse(stdout);
    expect({ code, ok: result.ok, workers: result.workers }).toEqual({
      code: 0,
      ok: true,
      workers: [confined, unconfined],
    });
    expect(result.checks.filter((check: { name: string }) => check.name.startsWith('worker'))).toEqual([
      { name: 'worker a-host:11', ok: true, detail: expect.stringMatching(/^bubblewrap: /) },
      { name: 'worker b-host:12', ok: true, warning: true, detail: expect.stringMatching(/^off: /) },
    ]);
  });

  it('says when no worker is up, exit 1', async () => {
    answer = healthy({ status: 'up', processes: [] });
    const { code, lines } = await doctorLines();
    expect({ code, last: lines.at(-1) }).toEqual({
      code: 1,
      last: '✗ workers: none is up: submitted Rounds wait in the queue until one starts (npm run start:worker, or sc up)',
    });
  });

  it('says the workers are unknown when the orchestrator could not list them, or does not know of them', async () => {
    answer = healthy({ status: 'up', processes: [], message: 'workers list timed out after 1000 ms' });
    expect((await doctorLines()).lines.at(-1)).toBe('✗ workers: unknown (workers list timed out after 1000 ms)');
    answer = healthy();
    expect((await doctorLines()).lines.at(-1)).toBe(
      '✗ workers: unknown (not reported by /health: an orchestrator older than this sc)',
    );
  });

  it('lists the workers of an unhealthy orchestrator too, and names the check that is down', async () => {
    const details = { ...checks({ status: 'up', processes: [confined] }), redis: { status: 'down', message: 'x' } };
    answer = {
      status: 503,
      body: { statusCode: 503, error: 'Service Unavailable', message: 'Service Unavailable Exception', details },
    };
    const { code, stdout } = await runSc(['doctor'], { env });
    expect(code).toBe(1);
    expect(stdout).toContain(`✗ api: ${String(env.SC_API_URL)}/health: 503 (redis down)\n`);
    expect(stdout).toContain('✓ worker a-host:11: bubblewrap: ');
  });
});
