import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createStackEnv,
  freePort,
  orchestratorMain,
  startOrchestrator,
  startWorker,
  workerMain,
  type OrchestratorProcess,
  type StackEnv,
  type StackProcess,
} from '../../../test/support/local-stack';
import { until } from '../../../test/support/until';
import { echoOrder } from './support/orchestrator-stack';

const password = 'sc-redis-secret-4f8a';

/** Everything a stack wrote: the processes' output and the JSON-lines files of its log dir. */
function everythingLogged(stack: StackEnv, processes: StackProcess[]): string {
  const files = existsSync(stack.logDir)
    ? readdirSync(stack.logDir).map((name) => readFileSync(join(stack.logDir, name), 'utf8'))
    : [];
  return [...processes.map((proc) => proc.output()), ...files].join('\n');
}

/**
 * The orchestrator and a worker on a Redis that needs a password (a private `redis-server --requirepass` on a
 * spare port; the shared one is never touched): an echo Round runs, the password is never logged, and a
 * wrong password stops either process at start with one line.
 */
describe('a password-protected Redis', () => {
  let redis: ChildProcess;
  let port: number;

  beforeAll(async () => {
    port = await freePort();
    redis = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--requirepass', password, '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    await until(
      () =>
        spawnSync('redis-cli', ['-p', String(port), '--no-auth-warning', '-a', password, 'ping'], {
          encoding: 'utf8',
        }).stdout.trim() === 'PONG',
      { what: 'private redis-server' },
    );
  });
  afterAll(async () => {
    if (redis?.exitCode === null) {
      const exited = new Promise((resolve) => redis.once('exit', resolve));
      redis.kill('SIGTERM');
      await exited;
    }
  });

  it.each([
    ['a password only', () => `redis://:${password}@127.0.0.1:${port}`],
    ['the default user and a password', () => `redis://default:${password}@127.0.0.1:${port}`],
  ])('runs an echo Round with REDIS_URL holding %s, and never logs the password', async (_what, redisUrl) => {
    const stack = createStackEnv({ REDIS_URL: redisUrl() });
    const processes: StackProcess[] = [];
    try {
      const orchestrator: OrchestratorProcess = await startOrchestrator(stack);
      processes.push(orchestrator);
      processes.push(await startWorker(stack));
      const submitted = await fetch(`${orchestrator.url}/workorders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(echoOrder()),
      });
      const { round_id } = (await submitted.json()) as { round_id: string };
      const round = await until(
        async () => {
          const view = (await (await fetch(`${orchestrator.url}/rounds/${round_id}`)).json()) as { state: string };
          return view.state === 'succeeded' ? view : undefined;
        },
        { timeoutMs: 30_000, what: 'echo Round succeeded' },
      );
      expect(round.state).toBe('succeeded');
      expect((await fetch(`${orchestrator.url}/health`)).status).toBe(200);
    } finally {
      await Promise.all(processes.map((proc) => proc.stop()));
    }
    const logged = everythingLogged(stack, processes);
    stack.cleanup();
    expect(logged).toContain('orchestrator ready');
    expect(logged).not.toContain(password);
  });

  it.each([
    [
      'orchestrator',
      'a wrong password',
      () => `redis://:wrong-${password}@127.0.0.1:${port}`,
      'WRONGPASS invalid username-password pair or user is disabled.',
    ],
    [
      'worker',
      'a wrong password',
      () => `redis://default:wrong-${password}@127.0.0.1:${port}`,
      'WRONGPASS invalid username-password pair or user is disabled.',
    ],
    ['orchestrator', 'no password', () => `redis://127.0.0.1:${port}`, 'NOAUTH Authentication required.'],
    ['worker', 'no password', () => `redis://127.0.0.1:${port}`, 'NOAUTH Authentication required.'],
  ])('stops the %s at start with %s: one line, exit 2', (app, _what, redisUrl, answer) => {
    const stack = createStackEnv({ REDIS_URL: redisUrl() });
    try {
      const result = spawnSync(process.execPath, [app === 'worker' ? workerMain : orchestratorMain], {
        env: stack.env,
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect({ status: result.status, stderr: result.stderr }).toEqual({
        status: 2,
        stderr: `REDIS_URL: Redis refused the credentials (${answer})\n`,
      });
      expect(result.stdout).not.toContain(password);
    } finally {
      stack.cleanup();
    }
  });

  it.each([
    [
      'orchestrator',
      'REDIS_URL',
      `redis://:${password}@`,
      'REDIS_URL: expected redis://[user:password@]host:port, got "redis://:***@"',
    ],
    [
      'orchestrator',
      'DATABASE_URL',
      `postgres://sc:${password}@`,
      'DATABASE_URL: expected postgres://user:password@host:port/database (unset for SQLite), got "postgres://sc:***@"',
    ],
    [
      'worker',
      'REDIS_URL',
      `redis://default:${password}@`,
      'REDIS_URL: expected redis://[user:password@]host:port, got "redis://default:***@"',
    ],
  ])('masks the password when the %s refuses a malformed %s', (app, name, value, line) => {
    const stack = createStackEnv({ [name]: value });
    try {
      const result = spawnSync(process.execPath, [app === 'worker' ? workerMain : orchestratorMain], {
        env: stack.env,
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 2, stderr: `${line}\n` });
    } finally {
      stack.cleanup();
    }
  });
});
