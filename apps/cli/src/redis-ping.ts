import type { RedisSettings } from '@sc/infrastructure';
import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';

// A raw socket and a few lines of RESP keep the CLI free of a Redis client (and its start-up time).

/**
 * Sends `PING` (after `AUTH` when the URL has credentials) to the Redis at `url` and resolves when `+PONG`
 * comes back; rejects with a one-line reason otherwise.
 */
export function pingRedis(url: string, timeoutMs = 2000): Promise<void> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return Promise.reject(new Error(`expected redis://host:port, got "${url}"`));
  }
  if (target.protocol !== 'redis:' && target.protocol !== 'rediss:')
    return Promise.reject(new Error(`expected redis://host:port, got "${url}"`));
  const server = {
    host: target.hostname || '127.0.0.1',
    port: Number(target.port || 6379),
    tls: target.protocol === 'rediss:',
  };
  const commands = [
    ...auth(target.username && decodeURIComponent(target.username), decodeURIComponent(target.password)),
    ['PING'],
  ];
  return exchange(server, commands, (replies) => replies.at(-1) === '+PONG', timeoutMs).then(() => undefined);
}

/**
 * Asks the Sentinels, one after another, where the master is (`SENTINEL get-master-addr-by-name`), then pings
 * it; resolves with the master's `host:port`, rejects with a one-line reason.
 */
export async function pingSentinelMaster(
  settings: Extract<RedisSettings, { sentinels: unknown }>,
  timeoutMs = 2000,
): Promise<string> {
  const reasons: string[] = [];
  for (const sentinel of settings.sentinels) {
    const where = `${sentinel.host}:${sentinel.port}`;
    const commands = [
      ...auth(undefined, settings.sentinelPassword),
      ['SENTINEL', 'get-master-addr-by-name', settings.master],
    ];
    // The answer is `*2 $n host $n port`, or `*-1` for a master the Sentinel does not monitor.
    const answered = (replies: string[]) => replies.includes('*-1') || replies.at(-5) === '*2';
    const replies = await exchange({ ...sentinel, tls: false }, commands, answered, timeoutMs).catch(
      (error: Error) => void reasons.push(`${where}: ${error.message}`),
    );
    if (!replies) continue;
    if (replies.includes('*-1')) {
      reasons.push(`${where}: monitors no master "${settings.master}"`);
      continue;
    }
    const [host, port] = [replies.at(-3)!, Number(replies.at(-1))];
    const credentials = settings.password
      ? `${encodeURIComponent(settings.username ?? '')}:${encodeURIComponent(settings.password)}@`
      : '';
    await pingRedis(`redis://${credentials}${host.includes(':') ? `[${host}]` : host}:${port}`, timeoutMs).catch(
      (error: Error) => {
        throw new Error(`master ${host}:${port}: ${error.message}`);
      },
    );
    return `${host}:${port}`;
  }
  throw new Error(reasons.join('; '));
}

function auth(username: string | undefined, password: string | undefined): string[][] {
  return password ? [['AUTH', ...(username ? [username] : []), password]] : [];
}

/** Sends `commands` and resolves with the reply lines once `isAnswered` holds; an error reply rejects. */
function exchange(
  server: { host: string; port: number; tls: boolean },
  commands: readonly string[][],
  isAnswered: (replies: string[]) => boolean,
  timeoutMs: number,
): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const { host, port } = server;
    const socket: Socket = server.tls ? connectTls({ host, port, servername: host }) : connectTcp({ host, port });
    let received = '';
    const finish = (error?: Error, replies: string[] = []) => {
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve(replies);
    };
    const timer = setTimeout(() => finish(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    socket.once('error', (error: NodeJS.ErrnoException) =>
      finish(new Error(error.code === 'ECONNREFUSED' ? 'connection refused' : (error.code ?? error.message))),
    );
    socket.once('connect', () => socket.write(commands.map(encodeCommand).join('')));
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('utf8');
      const replies = received.split('\r\n').filter(Boolean);
      const failure = replies.find((reply) => reply.startsWith('-'));
      if (failure) finish(new Error(failure.slice(1)));
      else if (isAnswered(replies)) finish(undefined, replies);
    });
  });
}

// RESP: an array of bulk strings, the form every Redis accepts.
function encodeCommand(args: readonly string[]): string {
  return `*${args.length}\r\n${args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join('')}`;
}
