import { logRedisErrors, redisConnectionOptions } from '@sc/infrastructure';
import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { ORCHESTRATOR_CONFIG, type OrchestratorConfig } from '../config/orchestrator.config';
import { replicaId } from './replica-id';

/**
 * What must run on one replica at a time: the periodic sweeps, the gauges read from shared state
 * (`queue_depth`, `round_waiting`: exported once), and the consumer of workers' events, whose batches of one
 * Round must be stored in the order they were sent.
 */
export type LeaseName = 'reaper' | 'outbox' | 'gauges' | 'events';

// A dead holder's lease lapses after this; a live one renews it three times as often, so one slow renewal
// (a busy event loop, a Redis hiccup) does not hand the work over.
export const leaseTtlMs = 5_000;
export const leaseRenewMs = leaseTtlMs / 3;

// Take the lease when free, renew it when ours; 1 when held by this replica afterwards.
const takeScript = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
return 0`;
const releaseScript = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/**
 * Leases in Redis (`<prefix>:lease:<name>`, value: the holder's {@link replicaId}) that let N orchestrator
 * replicas run each periodic sweep on one of them: a sweep asks {@link isHeld} before each pass. A held lease
 * is renewed in the background, so a sweep with a long interval keeps it; a dead holder's lapses after
 * {@link leaseTtlMs} and the next replica to ask takes it. At shutdown the leases are given back at once.
 */
@Injectable()
export class ReplicaLeases implements OnApplicationShutdown {
  private readonly logger = new Logger(ReplicaLeases.name);
  private readonly redis: Redis;
  private readonly held = new Set<LeaseName>();
  private readonly renewal: NodeJS.Timeout;
  private connected?: Promise<void>;

  constructor(@Inject(ORCHESTRATOR_CONFIG) private readonly config: OrchestratorConfig) {
    // No offline queue: while Redis is down a lease is not held rather than asked for later.
    this.redis = new Redis({
      ...redisConnectionOptions(config.redis),
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      lazyConnect: true,
    });
    logRedisErrors(this.redis, 'replica leases', (fields, message) => this.logger.warn(fields, message));
    // A failed renewal is logged by the connection, and the lease counts as lost.
    this.renewal = setInterval(
      () => void Promise.all([...this.held].map((name) => this.isHeld(name).catch(() => undefined))),
      leaseRenewMs,
    );
  }

  /**
   * Takes or renews the named lease; true when this replica holds it (and should run the pass). Rejects
   * when Redis does not answer: the lease counts as lost, since another replica may hold it by now.
   */
  async isHeld(name: LeaseName): Promise<boolean> {
    let isHeld = false;
    // Connected on first use, and waited for: the first pass at start is not refused for a connection under way.
    this.connected ??= this.redis.connect().catch(() => undefined);
    await this.connected;
    try {
      isHeld = (await this.redis.eval(takeScript, 1, this.key(name), replicaId, leaseTtlMs)) === 1;
      return isHeld;
    } finally {
      if (isHeld !== this.held.has(name))
        this.logger.log({ lease: name, replica: replicaId }, isHeld ? 'lease taken' : 'lease lost');
      if (isHeld) this.held.add(name);
      else this.held.delete(name);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.renewal);
    await Promise.all(
      [...this.held].map((name) => this.redis.eval(releaseScript, 1, this.key(name), replicaId).catch(() => undefined)),
    );
    this.held.clear();
    // Not connected: quitting would wait for a connection that may never come.
    if (this.redis.status === 'ready') await this.redis.quit().catch(() => this.redis.disconnect());
    else this.redis.disconnect();
  }

  private key(name: LeaseName): string {
    return `${this.config.queuePrefix}:lease:${name}`;
  }
}
