import {
  createStackEnv,
  freePort,
  orchestratorMain,
  startProcess,
  workerMain,
  type StackProcess,
} from './support/local-stack';
import { until } from './support/until';

// A process that cannot reach Redis is not "ready" and still stops: SIGTERM ends it with exit 0 within 10 s, and
// what it printed meanwhile is JSON lines (one warning per component and interval), not a stack per reconnect.
describe.each([
  ['orchestrator', orchestratorMain],
  ['worker', workerMain],
])('%s without Redis', (name, main) => {
  let proc: StackProcess | undefined;
  afterEach(async () => {
    await proc?.kill();
  });

  it('exits 0 within 10 s of SIGTERM and prints JSON lines only', async () => {
    const closed = await freePort();
    const stack = createStackEnv(
      { REDIS_URL: `redis://127.0.0.1:${closed}`, PORT: String(await freePort()) },
      { usePostgres: false },
    );
    try {
      proc = startProcess(main, stack.env);
      // Long enough to try and fail to connect several times.
      await until(() => proc!.output().includes('redis error (retrying)'), {
        timeoutMs: 20_000,
        what: 'a Redis warning',
      });
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      // Not ready while Redis does not answer: no line says so, and the orchestrator's /health says 503.
      expect(proc.output()).not.toContain(`${name} ready`);
      if (name === 'orchestrator') expect((await fetch(`http://127.0.0.1:${stack.env.PORT}/health`)).status).toBe(503);
      const stoppedAt = Date.now();
      const exited = new Promise<number | null>((resolve) => proc!.child.once('exit', (code) => resolve(code)));
      proc.child.kill('SIGTERM');
      const code = await Promise.race([
        exited,
        new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 10_000)),
      ]);
      expect({ code, withinMs: Date.now() - stoppedAt <= 10_000 }).toEqual({ code: 0, withinMs: true });
      const lines = proc.output().split('\n').filter(Boolean);
      expect(lines.filter((line) => !line.startsWith('{'))).toEqual([]);
      expect(lines.filter((line) => line.includes('redis error (retrying)')).length).toBeLessThan(15);
    } finally {
      stack.cleanup();
    }
  });
});

// The same while the database does not answer: the connection is retried, with one JSON warning per attempt,
// before Nest has an app to close.
describe('orchestrator without its database', () => {
  let proc: StackProcess | undefined;
  afterEach(async () => {
    await proc?.kill();
  });

  it('exits 0 within 10 s of SIGTERM while it retries the connection', async () => {
    const stack = createStackEnv({
      DATABASE_URL: `postgres://postgres@127.0.0.1:${await freePort()}/sc`,
      PORT: String(await freePort()),
    });
    try {
      proc = startProcess(orchestratorMain, stack.env);
      await until(() => proc!.output().includes('"msg":"database unreachable (retrying)"'), {
        timeoutMs: 20_000,
        what: 'a failed connection',
      });
      const exited = new Promise<number | null>((resolve) => proc!.child.once('exit', (code) => resolve(code)));
      const stoppedAt = Date.now();
      proc.child.kill('SIGTERM');
      const code = await Promise.race([
        exited,
        new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 10_000)),
      ]);
      expect({ code, withinMs: Date.now() - stoppedAt <= 10_000 }).toEqual({ code: 0, withinMs: true });
      const lines = proc.output().split('\n').filter(Boolean);
      expect(lines.filter((line) => !line.startsWith('{'))).toEqual([]);
      expect(proc.output()).not.toContain('orchestrator ready');
    } finally {
      stack.cleanup();
    }
  });
});
