import { redisConnectionOptions } from '@sc/infrastructure';
import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { ModelProvider } from '@sc/plugin-sdk';
import { agentSlotsKey } from '@sc/schemas';
import Redis from 'ioredis';
import type { Logger } from 'pino';
import { WorkerConfig } from '../config/worker.config';
import { WORKER_LOGGER } from '../logging/logger.module';

// Takes the wanted slots of every provider at once, or none: each sorted set holds leases scored by their
// expiry. An owner's own leases (a run of the same attempt before, on a killed worker) are dropped first.
// KEYS: one sorted set per provider; ARGV: now, expiry, owner, then per key its limit and wanted count.
const acquireScript = `
for i, key in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', key, '-inf', ARGV[1])
  local limit = tonumber(ARGV[2 + i * 2])
  local wanted = tonumber(ARGV[3 + i * 2])
  for n = 1, wanted do redis.call('ZREM', key, ARGV[3] .. ':' .. n) end
  if redis.call('ZCARD', key) + wanted > limit then return 0 end
end
for i, key in ipairs(KEYS) do
  local wanted = tonumber(ARGV[3 + i * 2])
  for n = 1, wanted do redis.call('ZADD', key, ARGV[2], ARGV[3] .. ':' .. n) end
end
return 1
`;

/** Slots a running Round holds; release them when it ends (renewed meanwhile, so a dead worker's expire). */
export interface HeldSlots {
  release(): Promise<void>;
}

/** What a Round holds when it needs no slot of a limited model API. */
export const noSlots: HeldSlots = { release: async () => undefined };

/**
 * `SC_AGENT_LIMITS`: at most N agents of a model API run at once across every worker sharing this Redis (a
 * plan's concurrency limit). A Round takes the slots of all its agents before it starts, or goes back to the
 * queue for a moment — it waits there, not in a worker slot. Leases last a few seconds and are renewed while
 * the Round runs, so a killed worker's slots free themselves. A Round that needs more agents of one API than
 * its limit would wait forever: {@link overLimit} says so before anything is taken.
 */
@Injectable()
export class AgentSlots implements OnModuleDestroy {
  private readonly redis: Redis | undefined;
  private readonly leaseMs = 15_000;

  constructor(
    private readonly config: WorkerConfig,
    @Inject(WORKER_LOGGER) private readonly logger: Logger,
  ) {
    if (Object.keys(config.agentLimits).length === 0) return;
    this.redis = new Redis({ ...redisConnectionOptions(config.redis), lazyConnect: true });
    this.redis.on('error', (error: Error) => this.logger.warn({ err: error }, 'agent slots connection error'));
  }

  /**
   * Why a Round that needs `wanted` agents of each model API can never have them at once here, or undefined
   * when every count fits its limit: e.g. `the work-order needs 4 anthropic agents at once; SC_AGENT_LIMITS allows 3`.
   */
  overLimit(wanted: Partial<Record<ModelProvider, number>>): string | undefined {
    const over = (Object.entries(wanted) as [ModelProvider, number][]).flatMap(([provider, count]) => {
      const limit = this.config.agentLimits[provider];
      return limit !== undefined && count > limit ? [{ provider, count, limit }] : [];
    });
    if (over.length === 0) return undefined;
    const needs = over.map(({ provider, count }) => `${count} ${provider}`).join(' and ');
    // Several in the variable's own syntax, so that each limit reads with its API.
    const allows =
      over.length === 1 ? String(over[0].limit) : over.map(({ provider, limit }) => `${provider}=${limit}`).join(',');
    return `the work-order needs ${needs} agents at once; SC_AGENT_LIMITS allows ${allows}`;
  }

  /**
   * Takes the slots `wanted` needs, or resolves undefined when a limit is full (no slot taken). Never resolves
   * with slots for a Round {@link overLimit} refuses: ask that first.
   */
  async acquire(owner: string, wanted: Partial<Record<ModelProvider, number>>): Promise<HeldSlots | undefined> {
    const limited = (Object.entries(wanted) as [ModelProvider, number][]).filter(
      ([provider]) => this.config.agentLimits[provider] !== undefined,
    );
    if (!this.redis || limited.length === 0) return noSlots;
    const keys = limited.map(([provider]) => agentSlotsKey(this.config.queuePrefix, provider));
    const limits = limited.flatMap(([provider, count]) => [String(this.config.agentLimits[provider]), String(count)]);
    const lease = () => String(Date.now() + this.leaseMs);
    const taken = await this.redis.eval(
      acquireScript,
      keys.length,
      ...keys,
      String(Date.now()),
      lease(),
      owner,
      ...limits,
    );
    if (taken !== 1) return undefined;
    const members = limited.flatMap(([, count], index) =>
      Array.from({ length: count }, (_, n) => [keys[index], `${owner}:${n + 1}`] as const),
    );
    const renew = setInterval(() => {
      const pipeline = this.redis!.pipeline();
      for (const [key, member] of members) pipeline.zadd(key, 'XX', lease(), member);
      pipeline.exec().catch((error: Error) => this.logger.warn({ err: error }, 'agent slots not renewed'));
    }, this.leaseMs / 3);
    renew.unref();
    return {
      release: async () => {
        clearInterval(renew);
        const pipeline = this.redis!.pipeline();
        for (const [key, member] of members) pipeline.zrem(key, member);
        await pipeline.exec();
      },
    };
  }

  async onModuleDestroy(): Promise<void> {
    await this.redis?.quit().catch(() => this.redis?.disconnect());
  }
}
