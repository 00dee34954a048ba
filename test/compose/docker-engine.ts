import { spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A Docker engine with Compose v2 that the compose test can drive. */
export interface DockerEngine {
  /** Stops the engine when this test started it; otherwise does nothing. */
  stop(): Promise<void>;
}

/** `!reset` and `!override` in the test's compose override (test/compose/docker-compose.test.yml) need 2.24. */
const minimumCompose = [2, 24];
const startTimeoutMs = 30_000;

/** Runs `docker args…`, returning its exit status and output (never throws). */
export function docker(
  args: readonly string[],
  options: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync('docker', [...args], {
    input: options.input,
    env: options.env ?? process.env,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: options.timeoutMs,
  });
  return {
    status: result.status,
    stdout: result.stdout ?? '',
    stderr: result.stderr ?? String(result.error?.message ?? ''),
  };
}

const sleepSync = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * The engine this machine has: the running one, or `dockerd` started here when it is installed and not running.
 * Returns why not in one line when none can run or Compose v2 is missing. Synchronous, so that a suite can decide
 * at load time whether it runs.
 */
export function startDockerEngine(): DockerEngine | string {
  if (spawnSync('docker', ['--version']).error) return 'no docker command (apt-get install docker.io)';
  const compose = /v?(\d+)\.(\d+)/.exec(docker(['compose', 'version', '--short']).stdout);
  const [major, minor] = compose ? [Number(compose[1]), Number(compose[2])] : [0, 0];
  if (major < minimumCompose[0] || (major === minimumCompose[0] && minor < minimumCompose[1])) {
    return `Docker Compose v${minimumCompose.join('.')} or later is needed, ${compose ? `found v${major}.${minor}` : '`docker compose` is missing'} (see deploy/README.md)`;
  }
  if (docker(['info']).status === 0) return { stop: async () => {} };
  if (spawnSync('dockerd', ['--version']).error)
    return 'no Docker engine installed and none running (apt-get install docker.io)';

  const logFile = join(tmpdir(), `sc-compose-dockerd-${process.pid}.log`);
  // No iptables rules and no IP forwarding: the host's firewall stays as it is (other tests of this machine build
  // network namespaces of their own). The stack needs neither: its containers talk over their bridge, the test
  // reaches them on published loopback ports, and builds use the host's network.
  const log = openSync(logFile, 'a');
  const daemon = spawn('dockerd', ['--iptables=false', '--ip-forward=false'], {
    detached: true,
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  daemon.unref();
  // The loop blocks the child's exit event: a daemon that failed (it exits at once, saying why on its last line)
  // shows as a zombie.
  const hasExited = () => readFileSync(`/proc/${daemon.pid}/stat`, 'utf8').split(') ')[1].startsWith('Z');
  const deadline = Date.now() + startTimeoutMs;
  while (docker(['info']).status !== 0) {
    if (hasExited() || Date.now() > deadline) {
      daemon.kill('SIGKILL');
      const lastLine = readFileSync(logFile, 'utf8').trim().split('\n').pop() ?? '';
      return `dockerd could not start here: ${lastLine || `see ${logFile}`}`;
    }
    sleepSync(250);
  }
  const exited = new Promise<void>((resolve) => daemon.once('exit', () => resolve()));
  return {
    async stop() {
      daemon.kill('SIGTERM');
      await exited;
      rmSync(logFile, { force: true });
    },
  };
}
