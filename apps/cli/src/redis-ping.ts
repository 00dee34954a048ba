import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';

/**
 * Sends `PING` (after `AUTH` when the URL has credentials) to the Redis at `url` and resolves when `+PONG`
 * comes back; rejects with a one-line reason otherwise. A raw socket keeps the CLI free of a Redis client.
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
  const host = target.hostname || '127.0.0.1';
  const port = Number(target.port || 6379);
  const commands = target.password
    ? [['AUTH', ...(target.username ? [decodeURIComponent(target.username)] : []), decodeURIComponent(target.password)]]
    : [];
  commands.push(['PING']);
  return new Promise((resolve, reject) => {
    const socket: Socket =
      target.protocol === 'rediss:' ? connectTls({ host, port, servername: host }) : connectTcp({ host, port });
    let received = '';
    const finish = (error?: Error) => {
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve();
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
      else if (replies.length >= commands.length && replies[replies.length - 1] === '+PONG') finish();
    });
  });
}

// RESP: an array of bulk strings, the form every Redis accepts.
function encodeCommand(args: readonly string[]): string {
  return `*${args.length}\r\n${args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join('')}`;
}
