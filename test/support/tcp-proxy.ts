import { connect, createServer, type Server, type Socket } from 'node:net';

/** A TCP proxy a test can cut like a network partition: nothing flows and nothing closes until it heals. */
export interface TcpProxy {
  /** Where to connect instead of the target. */
  port: number;
  /** Stops forwarding both ways; the connections stay open, as behind a dropped link (no reset). */
  cut: () => void;
  /** Forwards again, what was held first. */
  heal: () => void;
  close: () => Promise<void>;
}

/** Starts a proxy on a free port of `listenHost` (loopback unless given) to `host:port`. */
export async function startTcpProxy(host: string, port: number, listenHost = '127.0.0.1'): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let isCut = false;
  const server: Server = createServer((client) => {
    const upstream = connect(port, host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
      if (isCut) socket.pause();
    }
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, listenHost, resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    cut: () => {
      isCut = true;
      for (const socket of sockets) socket.pause();
    },
    heal: () => {
      isCut = false;
      for (const socket of sockets) socket.resume();
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
