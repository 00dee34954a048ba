import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { until } from './until';

/** A test server's arguments: on `port` of the `bind` addresses, reachable from them, keeping nothing on disk. */
export function redisServerArgs(port: number, bind: readonly string[]): string[] {
  return ['--port', String(port), '--bind', ...bind, '--save', '', '--appendonly', 'no', '--protected-mode', 'no'];
}

/** Starts a private redis-server on a spare port, listening on `bind` (never the shared one), and waits until it is ready. */
export async function startRedis(port: number, bind: readonly string[] = ['127.0.0.1']): Promise<ChildProcess> {
  const child = spawn('redis-server', redisServerArgs(port, bind), { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await until(() => output.includes('Ready to accept connections'), { what: 'redis-server ready' });
  return child;
}

/** Kills a redis-server {@link startRedis} started; resolves once it is gone. */
export async function stopRedis(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  child.kill('SIGKILL');
  await once(child, 'exit');
}
