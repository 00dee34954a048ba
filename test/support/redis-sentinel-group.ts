import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './local-stack';
import { redisServerArgs } from './redis-server';
import { startTcpProxy, type TcpProxy } from './tcp-proxy';
import { until } from './until';

/** The master's name in the Sentinels' configuration. */
export const sentinelMasterName = 'sc';

/** Where the group listens: one address, five ports (master, replica, three Sentinels). */
export interface SentinelGroupOptions {
  host: string;
  ports: { master: number; replica: number; sentinels: readonly [number, number, number] };
  /** A folder for the Sentinels' configuration files, which they rewrite. */
  dir: string;
  /** A command prefix that runs the servers elsewhere, such as a network host's `ip netns exec …`. */
  launcher?: readonly string[];
  /**
   * The replica reaches the master through a loopback proxy, so that {@link SentinelGroup.holdReplication} can
   * let it fall behind (host 127.0.0.1 only).
   */
  proxiedReplication?: boolean;
}

/**
 * A Redis master with one replica and three Sentinels (quorum 2) that fail it over within seconds: a master
 * is down after 1 s without an answer. No persistence: a server that dies comes back empty, as in a failover
 * where the master is lost with its disk.
 */
export class SentinelGroup {
  /** The environment orchestrators and workers use to reach the group. */
  readonly env: NodeJS.ProcessEnv;
  private readonly servers = new Map<number, ChildProcess>();
  private readonly sentinels: ChildProcess[] = [];
  private replication?: TcpProxy;

  private constructor(private readonly options: SentinelGroupOptions) {
    this.env = {
      REDIS_SENTINELS: options.ports.sentinels.map((port) => `${options.host}:${port}`).join(','),
      REDIS_SENTINEL_MASTER: sentinelMasterName,
    };
  }

  static async start(options: SentinelGroupOptions): Promise<SentinelGroup> {
    const group = new SentinelGroup(options);
    try {
      const { host, ports } = options;
      await group.startServer(ports.master);
      if (options.proxiedReplication) group.replication = await startTcpProxy(host, ports.master);
      const replicaOf = group.replication?.port ?? ports.master;
      await group.startServer(ports.replica, ['--replicaof', host, String(replicaOf)]);
      await until(async () => (await group.info(ports.replica, 'replication')).includes('master_link_status:up'), {
        what: 'the replica in sync',
      });
      for (const port of ports.sentinels) group.sentinels.push(await group.startSentinel(port));
      await until(async () => (await group.sentinelsKnowing()) === ports.sentinels.length, {
        what: 'the Sentinels to know the master, its replica and each other',
      });
      return group;
    } catch (error) {
      await group.stop();
      throw error;
    }
  }

  /** A group on 127.0.0.1, on five free ports. */
  static async startOnLoopback(
    options: Pick<SentinelGroupOptions, 'dir' | 'proxiedReplication'>,
  ): Promise<SentinelGroup> {
    const [master, replica, ...sentinels] = await Promise.all([1, 2, 3, 4, 5].map(() => freePort()));
    return SentinelGroup.start({
      ...options,
      host: '127.0.0.1',
      ports: { master, replica, sentinels: [sentinels[0], sentinels[1], sentinels[2]] },
    });
  }

  /** The port of the master the Sentinels name now. */
  async masterPort(): Promise<number> {
    const sentinel = this.sentinelClient(this.options.ports.sentinels[0]);
    try {
      const [, port] = (await sentinel.call('SENTINEL', 'get-master-addr-by-name', sentinelMasterName)) as string[];
      return Number(port);
    } finally {
      sentinel.disconnect();
    }
  }

  /**
   * Stops the replication stream (a link that holds packets, not one that closes): the master goes on
   * acknowledging writes the replica never gets, and neither notices. The Sentinels still see both, so a
   * failover promotes the replica that fell behind.
   */
  holdReplication(): void {
    if (!this.replication) throw new Error('the group was started without proxiedReplication');
    this.replication.cut();
  }

  /**
   * Kills the master (SIGKILL: whatever it had not replicated is gone) and waits until the Sentinels promoted
   * the replica; starts the old master again, empty, as the new one's replica. Resolves with the new master's port.
   */
  async failOver(): Promise<number> {
    const old = await this.masterPort();
    const killed = this.servers.get(old);
    killed?.kill('SIGKILL');
    if (killed) await once(killed, 'exit');
    this.servers.delete(old);
    let promoted = old;
    await until(async () => (promoted = await this.masterPort().catch(() => old)) !== old, {
      timeoutMs: 30_000,
      what: 'the Sentinels to promote the replica',
    });
    await this.startServer(old, ['--replicaof', this.options.host, String(promoted)]);
    return promoted;
  }

  async stop(): Promise<void> {
    await this.replication?.close();
    await Promise.all(
      [...this.sentinels, ...this.servers.values()].map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill('SIGKILL');
        await once(child, 'exit');
      }),
    );
  }

  private async startServer(port: number, extra: string[] = []): Promise<void> {
    mkdirSync(this.options.dir, { recursive: true });
    const child = this.spawn('redis-server', [
      ...redisServerArgs(port, [this.options.host]),
      // A replica writes the master's snapshot to its folder while it syncs.
      '--dir',
      this.options.dir,
      '--repl-diskless-sync',
      'yes',
      '--repl-diskless-sync-delay',
      '0',
      ...extra,
    ]);
    this.servers.set(port, child);
    await this.ready(child, 'Ready to accept connections', `redis-server on ${port}`);
  }

  private async startSentinel(port: number): Promise<ChildProcess> {
    const { host, ports, dir } = this.options;
    const file = join(dir, `sentinel-${port}.conf`);
    writeFileSync(
      file,
      [
        `port ${port}`,
        `bind ${host}`,
        'protected-mode no',
        `dir ${dir}`,
        `sentinel monitor ${sentinelMasterName} ${host} ${ports.master} 2`,
        `sentinel down-after-milliseconds ${sentinelMasterName} 1000`,
        `sentinel failover-timeout ${sentinelMasterName} 5000`,
        `sentinel parallel-syncs ${sentinelMasterName} 1`,
        '',
      ].join('\n'),
    );
    const child = this.spawn('redis-server', [file, '--sentinel']);
    await this.ready(child, 'Sentinel ID is', `sentinel on ${port}`);
    return child;
  }

  private spawn(command: string, args: string[]): ChildProcess {
    const launcher = this.options.launcher ?? [];
    const [program, ...rest] = [...launcher, command, ...args];
    return spawn(program, rest, { stdio: ['ignore', 'pipe', 'pipe'] });
  }

  private async ready(child: ChildProcess, line: string, what: string): Promise<void> {
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await until(
      () => {
        if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}:\n${output}`);
        return output.includes(line);
      },
      { what },
    );
  }

  /** Sentinels that see the master, its replica and the two other Sentinels. */
  private async sentinelsKnowing(): Promise<number> {
    let knowing = 0;
    for (const port of this.options.ports.sentinels) {
      const sentinel = this.sentinelClient(port);
      try {
        const info = (await sentinel.call('INFO', 'sentinel')) as string;
        if (/status=ok,address=[^,]+,slaves=1,sentinels=3/.test(info)) knowing++;
      } finally {
        sentinel.disconnect();
      }
    }
    return knowing;
  }

  private async info(port: number, section: string): Promise<string> {
    const redis = new Redis({ host: this.options.host, port, lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await redis.connect();
      return await redis.info(section);
    } catch {
      return '';
    } finally {
      redis.disconnect();
    }
  }

  private sentinelClient(port: number): Redis {
    return new Redis({ host: this.options.host, port, maxRetriesPerRequest: 1 });
  }
}
