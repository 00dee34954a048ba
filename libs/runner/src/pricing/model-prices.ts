import type { ModelProvider } from '@sc/plugin-sdk';
import { readFileSync } from 'node:fs';

/** Token counts of one model call (or a part of one), disjoint: `input` excludes cache reads and writes. */
export interface TokenCounts {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

/** Prices in USD per million tokens, as an `SC_MODEL_PRICES` file states them for one model. */
export interface PriceOverride {
  input_mtok: number;
  output_mtok: number;
  cache_read_mtok?: number;
  cache_write_mtok?: number;
}

/** Which provider a model is priced as: decides between same-named models of different vendors. */
export type PriceProvider = 'anthropic' | 'openai' | 'google';

/** The price table's name of each model API the gateway speaks. */
export const priceProviders: Readonly<Record<ModelProvider, PriceProvider>> = {
  anthropic: 'anthropic',
  openai: 'openai',
  gemini: 'google',
};

/**
 * What model calls cost. Prices come from `@pydantic/genai-prices` (kept up to date by its maintainers from
 * the vendors' price pages, with tiers and cache prices), overridden per model by the file `SC_MODEL_PRICES`
 * names, so a new model or a negotiated price needs no release.
 */
export class ModelPrices {
  private readonly rates = new Map<string, LinearRates | 'unknown' | 'not linear'>();

  /** @param overrides by model name, lower case */
  constructor(private readonly overrides: ReadonlyMap<string, PriceOverride> = new Map()) {}

  /** The cost of one call's `counts` in USD, or null when `model` has no known price. */
  costOf(model: string, counts: TokenCounts, provider?: PriceProvider): number | null {
    const override = this.overrides.get(model.toLowerCase());
    if (override) return costFromOverride(override, counts);
    // The table's lookup is tens of microseconds, and the gateway prices every usage event: a call below the
    // model's first price tier is priced from per-token rates the table gave for this model once.
    const key = `${provider ?? ''}\u0000${model}`;
    let rates = this.rates.get(key);
    if (rates === undefined) this.rates.set(key, (rates = linearRates(model, provider)));
    if (rates === 'unknown') return null;
    if (rates !== 'not linear' && counts.input + counts.cacheRead + counts.cacheWrite <= rates.below) {
      return (
        counts.input * rates.input +
        counts.output * rates.output +
        counts.cacheRead * rates.cacheRead +
        counts.cacheWrite * rates.cacheWrite
      );
    }
    return tableCost(model, counts, provider);
  }

  /**
   * Whether calls to `model`, as a call names it, can be priced. A CLI's alias (Claude Code's `sonnet`) is not a
   * model the API is called with: resolve it first (`AgentTemplate.models`).
   */
  isKnown(model: string, provider?: PriceProvider): boolean {
    return this.costOf(model, { input: 1, output: 1, cacheRead: 0, cacheWrite: 0 }, provider) !== null;
  }
}

/** Per-token prices of a model, valid for calls whose whole input stays at or below `below` tokens. */
interface LinearRates {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  below: number;
}

function tableCost(model: string, counts: TokenCounts, provider?: PriceProvider): number | null {
  const price = genaiPrices().calcPrice(
    {
      input_tokens: counts.input + counts.cacheRead + counts.cacheWrite,
      output_tokens: counts.output,
      cache_read_tokens: counts.cacheRead,
      cache_write_tokens: counts.cacheWrite,
    },
    model,
    provider ? { providerId: provider } : undefined,
  );
  return price ? price.total_price : null;
}

/**
 * The model's per-token rates as the table computes them (one probe per kind of token), and up to which input
 * they hold (its first tier); 'not linear' when a call costs something in itself (a price per request).
 */
function linearRates(model: string, provider?: PriceProvider): LinearRates | 'unknown' | 'not linear' {
  const probe = 1_000;
  const zero = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 };
  const input = tableCost(model, { ...zero, input: probe }, provider);
  if (input === null) return 'unknown';
  const nothing = tableCost(model, zero, provider);
  const twice = tableCost(model, { ...zero, input: 2 * probe }, provider);
  if (nothing !== 0 || twice === null || Math.abs(twice - 2 * input) > 1e-12) return 'not linear';
  const rate = (counts: Partial<TokenCounts>) => (tableCost(model, { ...zero, ...counts }, provider) ?? 0) / probe;
  const price = genaiPrices().calcPrice({ input_tokens: 1 }, model, provider ? { providerId: provider } : undefined);
  const starts = Object.values(price?.model_price ?? {}).flatMap((value) =>
    typeof value === 'object' && value ? value.tiers.map((tier) => tier.start) : [],
  );
  return {
    input: input / probe,
    output: rate({ output: probe }),
    cacheRead: rate({ cacheRead: probe }),
    cacheWrite: rate({ cacheWrite: probe }),
    below: Math.min(Infinity, ...starts),
  };
}

function costFromOverride(price: PriceOverride, counts: TokenCounts): number {
  const perToken = (mtok: number | undefined, fallback: number) => (mtok ?? fallback) / 1_000_000;
  return (
    counts.input * perToken(price.input_mtok, 0) +
    counts.output * perToken(price.output_mtok, 0) +
    counts.cacheRead * perToken(price.cache_read_mtok, price.input_mtok) +
    counts.cacheWrite * perToken(price.cache_write_mtok, price.input_mtok)
  );
}

// The table is half a megabyte of JavaScript: loaded on the first price asked for, not at start.
let loaded: typeof import('@pydantic/genai-prices') | undefined;
function genaiPrices(): typeof import('@pydantic/genai-prices') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  loaded ??= require('@pydantic/genai-prices') as typeof import('@pydantic/genai-prices');
  return loaded;
}

const priceKeys = ['input_mtok', 'output_mtok', 'cache_read_mtok', 'cache_write_mtok'] as const;

/**
 * The prices the process uses: the table, with the models of the JSON file `SC_MODEL_PRICES` names
 * (`{ "my-model": { "input_mtok": 3, "output_mtok": 15, "cache_read_mtok": 0.3, "cache_write_mtok": 3.75 } }`)
 * in its place. Throws one line naming the file and the bad entry when the file is unreadable or wrong.
 */
export function loadModelPrices(env: NodeJS.ProcessEnv = process.env): ModelPrices {
  const file = env.SC_MODEL_PRICES;
  if (!file) return new ModelPrices();
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`SC_MODEL_PRICES: cannot read ${file}: ${(error as Error).message}`, { cause: error });
  }
  if (!isObject(parsed)) throw new Error(`SC_MODEL_PRICES: ${file} must hold a JSON object of models`);
  const overrides = new Map<string, PriceOverride>();
  for (const [model, price] of Object.entries(parsed)) {
    if (!isObject(price))
      throw new Error(`SC_MODEL_PRICES: ${file} /${model} must be an object of prices per million tokens`);
    for (const key of Object.keys(price)) {
      if (!(priceKeys as readonly string[]).includes(key))
        throw new Error(`SC_MODEL_PRICES: ${file} /${model}/${key} is not one of ${priceKeys.join(', ')}`);
      const value = price[key];
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
        throw new Error(`SC_MODEL_PRICES: ${file} /${model}/${key} must be a number >= 0`);
    }
    for (const key of ['input_mtok', 'output_mtok']) {
      if (!(key in price)) throw new Error(`SC_MODEL_PRICES: ${file} /${model}/${key} is required`);
    }
    overrides.set(model.toLowerCase(), price as unknown as PriceOverride);
  }
  return new ModelPrices(overrides);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
