import type { TokenUsage } from '@sc/schemas';

/** Sums the token usage a Round's plugin reports, per agent and model, for the Report's `token_usage`. */
export class TokenLedger {
  private readonly totalsByKey = new Map<string, TokenUsage>();

  /** Adds one report; refuses counts that are not non-negative integers and empty agent or model names. */
  add(usage: TokenUsage): void {
    const { agent, model, input, output } = usage;
    if (typeof agent !== 'string' || agent === '' || typeof model !== 'string' || model === '') {
      throw new RangeError('token usage needs a non-empty agent and model');
    }
    for (const [kind, count] of [['input', input], ['output', output]] as const) {
      if (!Number.isSafeInteger(count) || count < 0) throw new RangeError(`token usage ${kind} must be an integer >= 0, got ${count}`);
    }
    const key = JSON.stringify([agent, model]);
    const total = this.totalsByKey.get(key) ?? { agent, model, input: 0, output: 0 };
    this.totalsByKey.set(key, { agent, model, input: total.input + input, output: total.output + output });
  }

  /** The sums, in the order each agent and model was first reported. */
  totals(): TokenUsage[] {
    return [...this.totalsByKey.values()].map((usage) => ({ ...usage }));
  }
}
