import { logRedisErrors, redisConnectionOptions, redisErrorWarning, releaseVersion } from '@sc/infrastructure';
import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { workerHeartbeatKey, workerHeartbeatsKey, WorkerHeartbeatTiming, type WorkerHeartbeat } from '@sc/schemas';
import Redis from 'ioredis';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { WorkerConfig } from '../config/worker.config';
import { WORKER_LOGGER } from '../logging/logger.module';
import { workerName } from '../worker-name';

// Writes the record with its TTL and its name into the set, and drops from the set the names whose record
// expired (killed workers); the set lives as long as its newest record, so a stack whose workers all died
// leaves nothing behind. KEYS: the set, this record. ARGV: the name, the record, the TTL in ms, the records'
// key prefix.
const beatScript = `
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
redis.call('SADD', KEYS[1], ARGV[1])
for _, name in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if redis.call('EXISTS', ARGV[4] .. name) == 0 then redis.call('SREM', KEYS[1], name) end
end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1`;

/**
 * Announces this worker in Redis (see {@link WorkerHeartbeat}): its record is written before the worker says it is
 * ready and every {@link WorkerHeartbeatTiming.intervalMs} after, and removed when it stops cleanly; a killed
 * worker's expires on its own. The orchestrator's `GET /health` lists them, and `sc doctor` from there. A beat
 * that fails (Redis down) is logged and tried again at the next one: it never stops the worker.
 */
@Injectable()
export class HeartbeatPublisher implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly redis: Redis;
  private readonly startedAt = new Date().toISOString();
  private readonly recordKey: string;
  private readonly namesKey: string;
  private timer?: NodeJS.Timeout;
  private connected?: Promise<void>;
  private inFlight?: Promise<void>;
  private isStopped = false;
  // A beat fails every interval while Redis is away: one line per interval of the connection's, not one per beat.
  private readonly failed = redisErrorWarning('heartbeat', (fields, message) => this.logger.warn(fields, message));

  constructor(
    private readonly config: WorkerConfig,
    @Inject(WORKER_LOGGER) private readonly logger: Logger,
  ) {
    this.recordKey = workerHeartbeatKey(config.queuePrefix, workerName);
    this.namesKey = workerHeartbeatsKey(config.queuePrefix);
    // No offline queue and a command timeout: while Redis is away a beat fails at once instead of piling up,
    // and a hanging Redis holds neither the start nor the stop longer than one interval.
    this.redis = new Redis({
      ...redisConnectionOptions(config.redis),
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      lazyConnect: true,
      commandTimeout: WorkerHeartbeatTiming.intervalMs,
    });
    logRedisErrors(this.redis, 'heartbeat', (fields, message) => this.logger.warn(fields, message));
  }

  /** The record this worker writes now. */
  record(): WorkerHeartbeat {
    return {
      name: workerName,
      hostname: hostname(),
      pid: process.pid,
      sandbox: this.config.sandbox.mode,
      sandbox_reason: this.config.sandbox.reason,
      concurrency: this.config.concurrency,
      version: releaseVersion(),
      started_at: this.startedAt,
      last_seen: new Date().toISOString(),
    };
  }

  /** The first beat (awaited: the worker is listed once it says it is ready), then one per interval. */
  async onApplicationBootstrap(): Promise<void> {
    await this.beat();
    this.timer = setInterval(() => void this.beat(), WorkerHeartbeatTiming.intervalMs);
  }

  /** Writes the record now; resolves once written or the failure logged. A beat still under way is not doubled. */
  beat(): Promise<void> {
    if (this.isStopped) return Promise.resolve();
    this.inFlight ??= this.write().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  /** Removes the record at the start of a stop: the worker takes no job any more, whatever it still hands back. */
  async beforeApplicationShutdown(): Promise<void> {
    this.isStopped = true;
    clearInterval(this.timer);
    // A beat under way would write the record again after its removal.
    await this.inFlight;
    try {
      if (this.redis.status === 'ready')
        await this.redis.multi().del(this.recordKey).srem(this.namesKey, workerName).exec();
    } catch (error) {
      this.logger.warn({ err: (error as Error).message }, 'heartbeat not removed (it expires on its own)');
    }
    if (this.redis.status === 'ready') await this.redis.quit().catch(() => this.redis.disconnect());
    else this.redis.disconnect();
  }

  private async write(): Promise<void> {
    try {
      // Connected on first use, and waited for: the first beat is not refused for a connection under way.
      this.connected ??= this.redis.connect().catch(() => undefined);
      await this.connected;
      const prefix = workerHeartbeatKey(this.config.queuePrefix, '');
      const record = JSON.stringify(this.record());
      await this.redis.eval(
        beatScript,
        2,
        this.namesKey,
        this.recordKey,
        workerName,
        record,
        WorkerHeartbeatTiming.ttlMs,
        prefix,
      );
    } catch (error) {
      this.failed(error as Error);
    }
  }
}
