import type { Queue } from 'bullmq';

/** What {@link ReplicatedWrites} needs of a Redis connection: an ioredis client, such as a BullMQ queue's. */
export interface RedisCaller {
  call(command: string, ...args: (string | number)[]): Promise<unknown>;
  on(event: 'close', listener: () => void): unknown;
}

/** How long a check waits for a replica's acknowledgement before the master's replicas are looked at. */
const replicaAckTimeoutMs = 1_000;

/**
 * Tells whether the writes made on one Redis connection would survive a Sentinel failover. Redis replicates
 * asynchronously: a master that dies right after acknowledging a write may take it along, and the replica the
 * Sentinels promote never had it. A write is safe once a replica acknowledged it (`WAIT 1`), or when the master
 * has no replica connected (none could be promoted knowing less than it). A connection that closed since the
 * writes proves nothing: the check then ran on another server, perhaps the new master. Callers write again,
 * by an id that makes the repeat harmless, until a check passes.
 */
export class ReplicatedWrites {
  private closes = 0;

  constructor(private readonly connection: RedisCaller) {
    connection.on('close', () => this.closes++);
  }

  /** For the connection a BullMQ queue adds its jobs on. */
  static async ofQueue(queue: Queue): Promise<ReplicatedWrites> {
    // BullMQ's ioredis client hands the commands it does not wrap (WAIT, ROLE) on to ioredis.
    return new ReplicatedWrites((await queue.getBackend().client) as unknown as RedisCaller);
  }

  /** Taken before writing; {@link since} checks the writes made from then on. */
  mark(): number {
    return this.closes;
  }

  /** Whether every write on this connection since `mark` reached a replica, or needs none. */
  async since(mark: number): Promise<boolean> {
    const acknowledged = Number(await this.connection.call('WAIT', 1, replicaAckTimeoutMs));
    if (this.closes !== mark) return false;
    if (acknowledged >= 1) return true;
    const role = (await this.connection.call('ROLE')) as [string, number, unknown[]?];
    return this.closes === mark && role[0] === 'master' && (role[2]?.length ?? 0) === 0;
  }
}
