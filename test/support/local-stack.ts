import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { until } from './until';

/** The repository root; the processes run from the built `dist/`. */
export const repoRoot = resolve(__dirname, '..', '..');
export const orchestratorMain = join(repoRoot, 'dist', 'apps', 'orchestrator', 'src', 'main.js');
export const workerMain = join(repoRoot, 'dist', 'apps', 'worker', 'src', 'main.js');
/** The agent-cli plugin's scripted agent (`command` of a work-order's agent): edits files, prints usage. */
export const fakeAgent = join(repoRoot, 'libs', 'runner', 'src', 'plugins', 'agent-cli', 'fixtures', 'fake-agent.js');

/** The shared Redis of the machine (tests isolate themselves with a private queue prefix). */
export const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A free TCP port on loopback. */
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** A process of the stack, with everything it printed so far. */
export interface StackProcess {
  child: ChildProcess;
  output: () => string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
  stop: (graceMs?: number) => Promise<void>;
  /** SIGKILL, no grace. */
  kill: () => Promise<void>;
}

/** The environment one test file's stack shares: temp data and log dirs, a private queue prefix. */
export interface StackEnv {
  dataDir: string;
  logDir: string;
  queuePrefix: string;
  env: NodeJS.ProcessEnv;
  /** Removes the temp folders. */
  cleanup: () => void;
}

/**
 * A fresh environment: SQLite under a temp `SC_DATA_DIR` — or, in the `e2e (postgres)` jest project, the test
 * file's own Postgres database (`SC_TEST_DATABASE_URL`) unless `usePostgres` is false — and the machine's Redis with a random `SC_QUEUE_PREFIX`.
 */
export function createStackEnv(extra: NodeJS.ProcessEnv = {}, options: { usePostgres?: boolean } = {}): StackEnv {
  const root = mkdtempSync(join(tmpdir(), 'sc-test-'));
  const dataDir = join(root, 'data');
  const logDir = join(root, 'logs');
  const queuePrefix = `sc-test-${randomBytes(4).toString('hex')}`;
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'test',
    REDIS_URL: redisUrl,
    SC_DATA_DIR: dataDir,
    SC_LOG_DIR: logDir,
    SC_QUEUE_PREFIX: queuePrefix,
    ...extra,
  };
  if (options.usePostgres !== false && process.env.SC_TEST_DATABASE_URL && !('DATABASE_URL' in extra))
    env.DATABASE_URL = process.env.SC_TEST_DATABASE_URL;
  return { dataDir, logDir, queuePrefix, env, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

/** Starts `node <main>` with `env`, collecting its output. */
export function startProcess(main: string, env: NodeJS.ProcessEnv, args: string[] = []): StackProcess {
  return startCommand(process.execPath, [main, ...args], env);
}

/** Starts `command args…` in the repository root with `env`, collecting its output. */
export function startCommand(command: string, args: readonly string[], env: NodeJS.ProcessEnv): StackProcess {
  const child = spawn(command, [...args], { env, cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  const isRunning = () => child.exitCode === null && child.signalCode === null;
  const stop = async (graceMs = 10_000) => {
    if (!isRunning()) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };
  const kill = async () => {
    if (!isRunning()) return;
    child.kill('SIGKILL');
    await exited;
  };
  return { child, output: () => output, stop, kill };
}

/** A running orchestrator and where it listens. */
export interface OrchestratorProcess extends StackProcess {
  url: string;
  port: number;
}

/**
 * Starts the orchestrator on a free port and waits until `GET /health` answers 200; on a network host of its
 * own when `host` is given (port 3000 there, the host's whole port space being its own).
 */
export async function startOrchestrator(
  stack: StackEnv,
  extra: NodeJS.ProcessEnv = {},
  host?: { address: string; launcher: readonly string[] },
): Promise<OrchestratorProcess> {
  const port = host ? 3000 : await freePort();
  const env = { ...stack.env, PORT: String(port), ...extra };
  const proc = host
    ? startCommand(host.launcher[0], [...host.launcher.slice(1), process.execPath, orchestratorMain], env)
    : startProcess(orchestratorMain, env);
  const url = `http://${host?.address ?? '127.0.0.1'}:${port}`;
  await until(
    async () => {
      if (proc.child.exitCode !== null)
        throw new Error(`orchestrator exited with ${proc.child.exitCode}:\n${proc.output()}`);
      const res = await fetch(`${url}/health`).catch(() => undefined);
      return res?.status === 200;
    },
    { timeoutMs: 30_000, what: 'orchestrator /health' },
  ).catch((error: Error) => {
    throw new Error(`${error.message}\n${proc.output()}`);
  });
  return { ...proc, url, port };
}

/**
 * Starts a worker and waits for its `worker ready` log line; through `launcher` (a command prefix, such as a
 * network host's `ip netns exec …`) when given.
 */
export async function startWorker(
  stack: StackEnv,
  extra: NodeJS.ProcessEnv = {},
  launcher: readonly string[] = [],
): Promise<StackProcess> {
  const env = { ...stack.env, ...extra };
  const proc =
    launcher.length > 0
      ? startCommand(launcher[0], [...launcher.slice(1), process.execPath, workerMain], env)
      : startProcess(workerMain, env);
  await until(
    () => {
      if (proc.child.exitCode !== null) throw new Error(`worker exited with ${proc.child.exitCode}:\n${proc.output()}`);
      return proc.output().includes('"msg":"worker ready"');
    },
    { timeoutMs: 30_000, what: 'worker ready' },
  ).catch((error: Error) => {
    throw new Error(`${error.message}\n${proc.output()}`);
  });
  return proc;
}
