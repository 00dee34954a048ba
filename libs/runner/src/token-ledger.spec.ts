import { ModelPrices } from './pricing/model-prices';
import { TokenLedger, type LedgerStore, type TokenTotals } from './token-ledger';

describe('TokenLedger', () => {
  it('keeps cache reads and writes apart, prices usage without a cost, and leaves an unknown price null', () => {
    const ledger = new TokenLedger({}, new ModelPrices());
    ledger.add({
      agent: 'claude',
      model: 'claude-haiku-4-5',
      input: 1_000_000,
      output: 0,
      cache_read: 1_000_000,
      cache_write: 1_000_000,
    });
    ledger.add({ agent: 'local', model: 'my-own-model', input: 10, output: 1 });
    // claude-haiku-4-5: $1 input, $0.10 cache read, $1.25 cache write per million.
    expect(ledger.totals()).toEqual([
      {
        agent: 'claude',
        model: 'claude-haiku-4-5',
        input: 1_000_000,
        output: 0,
        cache_read: 1_000_000,
        cache_write: 1_000_000,
        cost_usd: 2.35,
      },
      { agent: 'local', model: 'my-own-model', input: 10, output: 1, cache_read: 0, cache_write: 0, cost_usd: null },
    ]);
    expect(ledger.totalCostUsd()).toBe(2.35);
    expect(ledger.totalTokens()).toBe(3_000_011);
  });

  it('prices with the SC_MODEL_PRICES override in place of the table', () => {
    const ledger = new TokenLedger({}, new ModelPrices(new Map([['my-own-model', { input_mtok: 2, output_mtok: 4 }]])));
    ledger.add({ agent: 'local', model: 'My-Own-Model', input: 500_000, output: 250_000, cache_read: 500_000 });
    // A cache read without a price of its own costs what input does.
    expect(ledger.totalCostUsd()).toBe(3);
  });

  it('is used up once a budget is reached, not only passed', () => {
    const ledger = new TokenLedger({ max_tokens: 100 });
    ledger.add({ agent: 'a', model: 'm', input: 60, output: 39 });
    expect(ledger.budgetExceeded()).toBeUndefined();
    ledger.add({ agent: 'a', model: 'm', input: 0, output: 0, cache_read: 1 });
    expect(ledger.budgetExceeded()).toBe('budget_exceeded: 100 tokens used, budget.max_tokens is 100');
  });

  it('records every accepted report in its store and goes on from what the store restores', async () => {
    const recorded: TokenTotals[] = [];
    const earlier: TokenTotals = {
      agent: 'a',
      model: 'gpt-5',
      input: 100,
      output: 10,
      cache_read: 0,
      cache_write: 0,
      cost_usd: 0.5,
    };
    const store: LedgerStore = { load: async () => [earlier], record: (usage) => recorded.push(usage) };
    const ledger = new TokenLedger({ max_cost_usd: 0.6 }, new ModelPrices(), store);
    await ledger.restore();
    ledger.add({ agent: 'a', model: 'gpt-5', input: 1, output: 1, cost_usd: 0.1 });
    expect(recorded).toEqual([
      { agent: 'a', model: 'gpt-5', input: 1, output: 1, cache_read: 0, cache_write: 0, cost_usd: 0.1 },
    ]);
    expect(ledger.totals()).toEqual([{ ...earlier, input: 101, output: 11, cost_usd: 0.6 }]);
    expect(ledger.budgetExceeded()).toBe('budget_exceeded: $0.6 spent, budget.max_cost_usd is $0.6');
  });

  it.each([
    [{ input: -1, output: 0 }, 'token usage input must be an integer >= 0, got -1'],
    [{ input: 0, output: 0, cache_read: 1.5 }, 'token usage cache_read must be an integer >= 0, got 1.5'],
    [{ input: 0, output: 0, cost_usd: Number.NaN }, 'token usage cost_usd must be a number >= 0 or null, got NaN'],
  ])('refuses %j', (counts, message) => {
    expect(() => new TokenLedger().add({ agent: 'a', model: 'm', ...counts })).toThrow(message);
  });
});
