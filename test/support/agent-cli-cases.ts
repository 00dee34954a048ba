import type { Report, TokenUsage } from '@sc/schemas';
import { expect } from '@jest/globals';
import { ModelPrices, type PriceProvider } from '@sc/runner';
import { anthropicDialect, startFakeAnthropicServer } from './fake-model-servers/anthropic.dialect';
import type {
  FakeModelOptions,
  FakeModelServer,
  FakeUsage,
  RecordedCall,
} from './fake-model-servers/fake-model-server';
import { geminiDialect, geminiModelOf, startFakeGeminiServer } from './fake-model-servers/gemini.dialect';
import { openaiDialect, startFakeOpenAIServer } from './fake-model-servers/openai.dialect';

/** One built-in agent CLI as the end-to-end suites drive it: its fake model API and how its calls are priced. */
export interface AgentCliCase {
  name: 'claude' | 'codex' | 'gemini';
  /** A model of the CLI's own catalog, with a known price. */
  model: string;
  priceProvider: PriceProvider;
  startServer(options?: FakeModelOptions): Promise<FakeModelServer>;
  /** The worker's environment naming `server` as the upstream, with the key the fake server must receive. */
  upstreamEnv(server: FakeModelServer): Record<string, string>;
  /** The model a recorded call asked for. */
  modelOf(call: RecordedCall): string;
  /** How many tool results the conversation of a recorded call holds. */
  toolResults(call: RecordedCall): number;
  /** What an answer declaring `usage` states in the API's terms (APIs without cache writes bill them as input). */
  asDelivered(usage: FakeUsage): FakeUsage;
  /**
   * What an answer cut off after its first SSE event had stated: Anthropic's `message_start` carries the
   * input and the first output token; OpenAI and Gemini state usage only at the end.
   */
  deliveredBeforeCut(usage: FakeUsage): Partial<FakeUsage>;
}

const withoutCacheWrites = (usage: FakeUsage): FakeUsage => ({
  ...usage,
  input: usage.input + (usage.cacheWrite ?? 0),
  cacheWrite: 0,
});

/** The key the worker holds for the upstream; no agent may see it. */
export const upstreamKey = 'sk-upstream-secret-0123456789';

export const agentCliCases: AgentCliCase[] = [
  {
    name: 'claude',
    model: 'claude-sonnet-4-5',
    priceProvider: 'anthropic',
    startServer: startFakeAnthropicServer,
    upstreamEnv: (server) => ({ ANTHROPIC_BASE_URL: server.url, ANTHROPIC_API_KEY: upstreamKey }),
    modelOf: (call) => String((call.body as { model?: unknown }).model),
    toolResults: (call) => anthropicDialect.toolResultCount(call.body),
    asDelivered: (usage) => usage,
    deliveredBeforeCut: (usage) => ({ ...usage, output: 1 }),
  },
  {
    name: 'codex',
    model: 'gpt-5.5',
    priceProvider: 'openai',
    startServer: startFakeOpenAIServer,
    upstreamEnv: (server) => ({ OPENAI_BASE_URL: `${server.url}/v1`, OPENAI_API_KEY: upstreamKey }),
    modelOf: (call) => String((call.body as { model?: unknown }).model),
    toolResults: (call) => openaiDialect.toolResultCount(call.body),
    asDelivered: withoutCacheWrites,
    deliveredBeforeCut: () => ({}),
  },
  {
    name: 'gemini',
    model: 'gemini-2.5-pro',
    priceProvider: 'google',
    startServer: startFakeGeminiServer,
    upstreamEnv: (server) => ({ GOOGLE_GEMINI_BASE_URL: server.url, GEMINI_API_KEY: upstreamKey }),
    modelOf: (call) => geminiModelOf(call.path),
    toolResults: (call) => geminiDialect.toolResultCount(call.body),
    asDelivered: withoutCacheWrites,
    deliveredBeforeCut: () => ({}),
  },
];

/**
 * The `token_usage` a Report must have for the calls `server` answered in full with `usage` each, per model,
 * priced from the table (entries sorted by model; `extra` adds what cut-off calls delivered).
 */
export function expectedTokenUsage(
  cli: AgentCliCase,
  server: FakeModelServer,
  usage: FakeUsage,
  extra: Partial<Record<string, Partial<FakeUsage>>> = {},
): unknown[] {
  const prices = new ModelPrices();
  const byModel = new Map<string, { input: number; output: number; cacheRead: number; cacheWrite: number }>();
  const add = (model: string, part: Partial<FakeUsage>) => {
    const total = byModel.get(model) ?? { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 };
    total.input += part.input ?? 0;
    total.output += part.output ?? 0;
    total.cacheRead += part.cacheRead ?? 0;
    total.cacheWrite += part.cacheWrite ?? 0;
    byModel.set(model, total);
  };
  for (const call of server.calls) if (call.delivered) add(cli.modelOf(call), cli.asDelivered(usage));
  for (const [model, part] of Object.entries(extra)) if (part) add(model, part);
  return [...byModel.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([model, counts]) => {
      const cost = prices.costOf(model, counts, cli.priceProvider);
      // Priced per call as they streamed, summed: equal up to float rounding.
      return {
        agent: cli.name,
        model,
        input: counts.input,
        output: counts.output,
        cache_read: counts.cacheRead,
        cache_write: counts.cacheWrite,
        cost_usd: cost === null ? null : expect.closeTo(cost, 9),
      };
    });
}

/** The Report's `token_usage`, sorted by model, costs to the same precision as {@link expectedTokenUsage}. */
export function sortedTokenUsage(report: Report): TokenUsage[] {
  return [...report.token_usage].sort((a, b) => a.model.localeCompare(b.model));
}
