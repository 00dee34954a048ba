import { redisConnectionOptions } from '@sc/infrastructure';
import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { zeroTotals, type LedgerStore, type TokenTotals } from '@sc/runner';
import { attemptLedgerKey, TokenKinds } from '@sc/schemas';
import Redis from 'ioredis';
import type { Logger } from 'pino';
import { WorkerConfig } from '../config/worker.config';
import { WORKER_LOGGER } from '../logging/logger.module';

const separator = '\u0000';
// Long enough for any Round's takeover; a ledger whose Report was sent is removed at once.
const ledgerTtlSeconds = 7 * 24 * 3600;

/**
 * Keeps each running attempt's token ledger in a Redis hash as it grows (one HINCRBY per count, pipelined in
 * order by the connection), so that a worker killed mid-round loses none of what its agents spent: the worker
 * that takes the attempt over restores it, goes on counting, and stops at the same budget.
 */
@Injectable()
export class AttemptLedgers implements OnModuleDestroy {
  private readonly redis: Redis;

  constructor(
    private readonly config: WorkerConfig,
    @Inject(WORKER_LOGGER) private readonly logger: Logger,
  ) {
    this.redis = new Redis({ ...redisConnectionOptions(config.redis), lazyConnect: true });
    this.redis.on('error', (error: Error) => this.logger.warn({ err: error }, 'ledger connection error'));
  }

  /**
   * The store of one attempt's ledger. `takingOver`: a run of this attempt started before (its worker died),
   * so there may be something to restore; a first run asks Redis nothing. Only a ledger that was written or
   * restored is removed at the end, so a Round that spends no tokens costs no Redis command.
   */
  forAttempt(roundId: string, attempt: number, takingOver: boolean): LedgerStore & { drop(): Promise<void> } {
    const key = attemptLedgerKey(this.config.queuePrefix, roundId, attempt);
    let isUsed = takingOver;
    return {
      load: async () => (takingOver ? parseLedger(await this.redis.hgetall(key)) : []),
      drop: async () => {
        if (isUsed) await this.redis.del(key);
      },
      record: (usage) => {
        isUsed = true;
        const field = (kind: string) => [usage.agent, usage.model, kind].join(separator);
        const pipeline = this.redis.pipeline();
        for (const kind of TokenKinds) if (usage[kind] > 0) pipeline.hincrby(key, field(kind), usage[kind]);
        if (usage.cost_usd !== null) pipeline.hincrbyfloat(key, field('cost_usd'), usage.cost_usd);
        pipeline.expire(key, ledgerTtlSeconds);
        pipeline
          .exec()
          .catch((error: Error) => this.logger.warn({ err: error, round_id: roundId }, 'ledger not recorded'));
      },
    };
  }

  async onModuleDestroy(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

/** The totals a ledger hash holds; fields of any other shape are ignored. */
export function parseLedger(hash: Record<string, string>): TokenTotals[] {
  const byKey = new Map<string, TokenTotals>();
  for (const [field, value] of Object.entries(hash)) {
    const [agent, model, kind, ...rest] = field.split(separator);
    const number = Number(value);
    if (!agent || !model || rest.length > 0 || !Number.isFinite(number) || number < 0) continue;
    const key = `${agent}${separator}${model}`;
    const totals = byKey.get(key) ?? zeroTotals(agent, model);
    if (kind === 'cost_usd') totals.cost_usd = number;
    else if ((TokenKinds as readonly string[]).includes(kind) && Number.isSafeInteger(number))
      totals[kind as (typeof TokenKinds)[number]] = number;
    else continue;
    byKey.set(key, totals);
  }
  return [...byKey.values()];
}
