import type { UsageReport } from '@sc/plugin-sdk';
import type { Budget, TokenUsage } from '@sc/schemas';

// Costs are summed in floating point; the Report keeps micro-dollars, far below any provider's precision.
const costDigits = 6;

/**
 * Sums the token usage a Round's plugin reports, per agent and model, for the Report's `token_usage` and
 * `cost_usd`, and tells when the work-order's `budget` is passed.
 */
export class TokenLedger {
  private readonly totalsByKey = new Map<string, TokenUsage>();
  private costUsd = 0;

  /** @param budget the work-order's `budget`; none means no limit */
  constructor(private readonly budget: Budget = {}) {}

  /**
   * Adds one report; refuses counts that are not non-negative integers, a cost that is not a finite
   * number >= 0, and empty agent or model names.
   */
  add(usage: UsageReport): void {
    const { agent, model, input, output, cost_usd: cost = 0 } = usage;
    if (typeof agent !== 'string' || agent === '' || typeof model !== 'string' || model === '') {
      throw new RangeError('token usage needs a non-empty agent and model');
    }
    for (const [kind, count] of [['input', input], ['output', output]] as const) {
      if (!Number.isSafeInteger(count) || count < 0) throw new RangeError(`token usage ${kind} must be an integer >= 0, got ${count}`);
    }
    if (typeof cost !== 'number' || !Number.isFinite(cost) || cost < 0) throw new RangeError(`token usage cost_usd must be a number >= 0, got ${cost}`);
    const key = JSON.stringify([agent, model]);
    const total = this.totalsByKey.get(key) ?? { agent, model, input: 0, output: 0 };
    this.totalsByKey.set(key, { agent, model, input: total.input + input, output: total.output + output });
    this.costUsd += cost;
  }

  /** The sums, in the order each agent and model was first reported. */
  totals(): TokenUsage[] {
    return [...this.totalsByKey.values()].map((usage) => ({ ...usage }));
  }

  /** All input and output tokens of the Round, every agent and model together. */
  totalTokens(): number {
    let sum = 0;
    for (const usage of this.totalsByKey.values()) sum += usage.input + usage.output;
    return sum;
  }

  /** The summed cost in USD, rounded to micro-dollars. */
  totalCostUsd(): number {
    return Number(this.costUsd.toFixed(costDigits));
  }

  /**
   * Why the Round is over its budget (`budget_exceeded: …`), or undefined while it is within. A budget is
   * passed when the total goes strictly above it.
   */
  budgetExceeded(): string | undefined {
    const { max_tokens: maxTokens, max_cost_usd: maxCostUsd } = this.budget;
    const tokens = this.totalTokens();
    if (maxTokens !== undefined && tokens > maxTokens) return `budget_exceeded: ${tokens} tokens used, budget.max_tokens is ${maxTokens}`;
    const cost = this.totalCostUsd();
    if (maxCostUsd !== undefined && cost > maxCostUsd) return `budget_exceeded: $${cost} spent, budget.max_cost_usd is $${maxCostUsd}`;
    return undefined;
  }
}
