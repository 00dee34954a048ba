import type { UsageReport } from '@sc/plugin-sdk';
import type { Budget, TokenUsage } from '@sc/schemas';
import { ModelPrices } from './pricing/model-prices';

// Costs are summed in floating point; the Report keeps 10 decimals (a cached token can cost $3e-8), which
// drops the float noise of the sums and nothing a provider bills.
const costDigits = 10;
const countKinds = ['input', 'output', 'cache_read', 'cache_write'] as const;

/** One entry of the Report's `token_usage`, every field present. */
export type TokenTotals = Required<TokenUsage>;

/** An agent and model's totals before any usage: no tokens, cost not known yet. */
export function zeroTotals(agent: string, model: string): TokenTotals {
  return { agent, model, input: 0, output: 0, cache_read: 0, cache_write: 0, cost_usd: null };
}

/**
 * Keeps a Round attempt's ledger outside the process, so that the worker that takes over the attempt of a
 * killed one goes on counting — tokens, cost and budget — from what was spent before.
 */
export interface LedgerStore {
  /** The totals recorded so far. */
  load(): Promise<TokenTotals[]>;
  /** Records one accepted report (its cost resolved: a number, or null when unknown). Must not throw. */
  record(usage: TokenTotals): void;
}

/**
 * Sums the token usage a Round's plugin reports, per agent and model, for the Report's `token_usage` and
 * `cost_usd`, and tells when the work-order's `budget` is reached. A report without `cost_usd` is priced
 * from `prices`; an entry's cost stays `null` while none of its usage could be priced.
 */
export class TokenLedger {
  private readonly totalsByKey = new Map<string, TokenTotals>();

  /**
   * @param budget the work-order's `budget`; none means no limit
   * @param prices what a report that states no cost is priced with
   */
  constructor(
    private readonly budget: Budget = {},
    private readonly prices = new ModelPrices(),
    private readonly store?: LedgerStore,
  ) {}

  /** Restores what an earlier run of this attempt recorded, before anything is added. */
  async restore(): Promise<void> {
    for (const totals of (await this.store?.load()) ?? []) this.sum(totals);
  }

  /**
   * Adds one report; refuses counts that are not non-negative integers, a cost that is not a finite
   * number >= 0 (or null: unknown), and empty agent or model names.
   */
  add(usage: UsageReport): void {
    const { agent, model } = usage;
    if (typeof agent !== 'string' || agent === '' || typeof model !== 'string' || model === '') {
      throw new RangeError('token usage needs a non-empty agent and model');
    }
    const counts = {
      input: usage.input,
      output: usage.output,
      cache_read: usage.cache_read ?? 0,
      cache_write: usage.cache_write ?? 0,
    };
    for (const kind of countKinds) {
      const count = counts[kind];
      if (!Number.isSafeInteger(count) || count < 0)
        throw new RangeError(`token usage ${kind} must be an integer >= 0, got ${count}`);
    }
    const cost =
      usage.cost_usd === undefined
        ? this.prices.costOf(model, {
            input: counts.input,
            output: counts.output,
            cacheRead: counts.cache_read,
            cacheWrite: counts.cache_write,
          })
        : usage.cost_usd;
    if (cost !== null && (typeof cost !== 'number' || !Number.isFinite(cost) || cost < 0))
      throw new RangeError(`token usage cost_usd must be a number >= 0 or null, got ${cost}`);
    const accepted = { agent, model, ...counts, cost_usd: cost };
    this.sum(accepted);
    this.store?.record(accepted);
  }

  private sum(usage: TokenTotals): void {
    const { agent, model } = usage;
    const key = JSON.stringify([agent, model]);
    const total = this.totalsByKey.get(key) ?? zeroTotals(agent, model);
    for (const kind of countKinds) total[kind] += usage[kind];
    if (usage.cost_usd !== null) total.cost_usd = (total.cost_usd ?? 0) + usage.cost_usd;
    this.totalsByKey.set(key, total);
  }

  /** The sums, in the order each agent and model was first reported; costs rounded to 10 decimals. */
  totals(): TokenTotals[] {
    return [...this.totalsByKey.values()].map((usage) => ({
      ...usage,
      cost_usd: usage.cost_usd === null ? null : round(usage.cost_usd),
    }));
  }

  /** All tokens of the Round — input, output, cache reads and writes — every agent and model together. */
  totalTokens(): number {
    let sum = 0;
    for (const usage of this.totalsByKey.values()) for (const kind of countKinds) sum += usage[kind];
    return sum;
  }

  /** The summed cost in USD of everything that could be priced, rounded to 10 decimals. */
  totalCostUsd(): number {
    let sum = 0;
    for (const usage of this.totalsByKey.values()) sum += usage.cost_usd ?? 0;
    return round(sum);
  }

  /**
   * Why the Round has used up its budget (`budget_exceeded: …`), or undefined while some is left. A budget
   * is used up once the total reaches it: no further model call may start.
   */
  budgetExceeded(): string | undefined {
    const { max_tokens: maxTokens, max_cost_usd: maxCostUsd } = this.budget;
    const tokens = this.totalTokens();
    if (maxTokens !== undefined && tokens >= maxTokens)
      return `budget_exceeded: ${tokens} tokens used, budget.max_tokens is ${maxTokens}`;
    const cost = this.totalCostUsd();
    if (maxCostUsd !== undefined && cost >= maxCostUsd)
      return `budget_exceeded: $${cost} spent, budget.max_cost_usd is $${maxCostUsd}`;
    return undefined;
  }
}

function round(cost: number): number {
  return Number(cost.toFixed(costDigits));
}
