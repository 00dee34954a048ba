import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agentCliCases } from '../../../../test/support/agent-cli-cases';
import { claudeCodeAliases } from '../plugins/agent-cli/agent-templates';
import { loadModelPrices, ModelPrices, type PriceProvider, type TokenCounts } from './model-prices';

const none: TokenCounts = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 };

describe(ModelPrices.name, () => {
  const prices = new ModelPrices();

  it.each(agentCliCases.map((cli) => [cli.name, cli.model, cli.priceProvider] as const))(
    'prices the model the %s end-to-end suites run (%s)',
    (_cli, model, provider) => {
      expect(prices.isKnown(model, provider)).toBe(true);
      expect(prices.costOf(model, { ...none, input: 1000, output: 100 }, provider)).toBeGreaterThan(0);
    },
  );

  it.each<[string, PriceProvider]>([
    // The specs' and examples' other models (agent-cli.plugin.spec, token-ledger.spec, examples/*.json).
    ['gpt-5-codex', 'openai'],
    ['gpt-5', 'openai'],
    // What Claude Code 2.1.332 calls for its aliases sonnet, opus, best, default and opusplan.
    ...[...new Set(['sonnet', 'opus', 'best', 'default', 'opusplan'].flatMap((alias) => claudeCodeAliases[alias]))].map(
      (model): [string, PriceProvider] => [model, 'anthropic'],
    ),
  ])('prices %s (%s)', (model, provider) => {
    expect(prices.costOf(model, { ...none, input: 1000 }, provider)).not.toBeNull();
  });

  it("prices claude-sonnet-4-5 at the vendor's rates: $3 input, $15 output, $0.30 cache read, $3.75 cache write per million", () => {
    const cost = prices.costOf('claude-sonnet-4-5', { input: 1000, output: 100, cacheRead: 2000, cacheWrite: 400 });
    expect(cost).toBeCloseTo(1000 * 3e-6 + 100 * 15e-6 + 2000 * 0.3e-6 + 400 * 3.75e-6, 12);
  });

  it('knows no price for a model the table lacks, nor for an alias the API is never called with', () => {
    expect(prices.costOf('gpt-9-imaginary', { ...none, input: 10 }, 'openai')).toBeNull();
    expect(prices.isKnown('gpt-9-imaginary', 'openai')).toBe(false);
    expect(prices.isKnown('sonnet', 'anthropic')).toBe(false);
  });
});

describe(loadModelPrices.name, () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'sc-prices-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function pricesFile(content: unknown): string {
    const file = join(dir, 'prices.json');
    writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
    return file;
  }

  it('is the table alone without SC_MODEL_PRICES', () => {
    expect(loadModelPrices({}).costOf('claude-sonnet-4-5', { ...none, output: 1_000_000 })).toBeCloseTo(15, 9);
  });

  it("replaces a table model's price, case aside, and adds a model of its own (a price of 0 is a known price)", () => {
    const prices = loadModelPrices({
      SC_MODEL_PRICES: pricesFile({
        'Claude-Sonnet-4-5': { input_mtok: 2.4, output_mtok: 12, cache_read_mtok: 0.24, cache_write_mtok: 3 },
        'my-local-model': { input_mtok: 0, output_mtok: 0 },
      }),
    });
    const million = { input: 1_000_000, output: 1_000_000, cacheRead: 1_000_000, cacheWrite: 1_000_000 };
    expect(prices.costOf('claude-sonnet-4-5', million, 'anthropic')).toBeCloseTo(2.4 + 12 + 0.24 + 3, 9);
    expect(prices.costOf('my-local-model', million)).toBe(0);
    expect(prices.isKnown('my-local-model', 'openai')).toBe(true);
    // Models it does not name keep the table's price.
    expect(prices.costOf('gpt-5', { ...none, input: 1_000_000 }, 'openai')).toBeCloseTo(1.25, 9);
  });

  it('prices cache reads and writes as input when the file leaves them out', () => {
    const prices = loadModelPrices({ SC_MODEL_PRICES: pricesFile({ m: { input_mtok: 2, output_mtok: 8 } }) });
    expect(prices.costOf('m', { input: 1_000_000, output: 0, cacheRead: 1_000_000, cacheWrite: 1_000_000 })).toBe(6);
  });

  it.each([
    ['[1, 2]', 'must hold a JSON object of models'],
    ['{ "m": 3 }', '/m must be an object of prices per million tokens'],
    ['{ "m": { "input_mtok": 1, "output_mtok": 1, "per_call": 1 } }', '/m/per_call is not one of input_mtok'],
    ['{ "m": { "input_mtok": -1, "output_mtok": 1 } }', '/m/input_mtok must be a number >= 0'],
    ['{ "m": { "input_mtok": 1 } }', '/m/output_mtok is required'],
    ['{ "m": ', 'cannot read'],
  ])('refuses %s with one line naming the file', (content, message) => {
    const file = pricesFile(content);
    expect(() => loadModelPrices({ SC_MODEL_PRICES: file })).toThrow(`SC_MODEL_PRICES: `);
    expect(() => loadModelPrices({ SC_MODEL_PRICES: file })).toThrow(message);
    expect(() => loadModelPrices({ SC_MODEL_PRICES: file })).toThrow(file);
  });
});
