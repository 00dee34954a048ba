import type { ModelProvider } from '@sc/plugin-sdk';
import { createAnthropicUsageMeter } from './anthropic.usage-meter';
import { createGeminiUsageMeter } from './gemini.usage-meter';
import { createOpenAIUsageMeter } from './openai.usage-meter';
import type { UsageMeter } from './usage-meter';

export type { UsageMeter } from './usage-meter';

export const usageMeters: Record<ModelProvider, () => UsageMeter> = {
  anthropic: createAnthropicUsageMeter,
  openai: createOpenAIUsageMeter,
  gemini: createGeminiUsageMeter,
};
