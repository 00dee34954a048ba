import type { ModelProvider } from '@sc/plugin-sdk';
import type { ValidationIssue, WorkOrder } from '@sc/schemas';
import { priceProviders, type ModelPrices } from '../../pricing/model-prices';
import { agentTemplates } from './agent-templates';

/**
 * The agents whose model has no known price, as validation issues, when the work-order has a cost budget:
 * such an agent could never be stopped by it. A built-in CLI's alias (Claude Code's `sonnet`) is priced as the
 * model(s) the CLI calls for it, since the gateway prices each call by the model it names. None for another
 * plugin or without `budget.max_cost_usd`.
 */
export function unpricedAgents(
  order: Pick<WorkOrder, 'plugin' | 'agents' | 'budget'>,
  prices: ModelPrices,
): ValidationIssue[] {
  if (order.plugin !== 'agent-cli' || order.budget?.max_cost_usd === undefined) return [];
  const issues: ValidationIssue[] = [];
  for (const [index, agent] of (order.agents ?? []).entries()) {
    const template = agent.command === undefined ? agentTemplates[agent.name] : undefined;
    const provider = template && priceProviders[template.provider];
    const models = template?.models?.(agent.model) ?? [agent.model];
    const unpriced = models.filter((model) => !prices.isKnown(model, provider));
    if (unpriced.length === 0) continue;
    const named =
      models.length === 1 && models[0] === agent.model ? '' : ` (${template!.file} calls ${unpriced.join(' and ')})`;
    issues.push({
      path: `/agents/${index}/model`,
      message: `agent ${agent.name}: model ${agent.model}${named} has no known price, so budget.max_cost_usd could not stop it (add ${unpriced.join(' and ')} to SC_MODEL_PRICES)`,
    });
  }
  return issues;
}

/** How many of the work-order's agents use each model API through the gateway (agents with a `command` use none). */
export function agentProviders(order: Pick<WorkOrder, 'plugin' | 'agents'>): Partial<Record<ModelProvider, number>> {
  const counts: Partial<Record<ModelProvider, number>> = {};
  if (order.plugin !== 'agent-cli') return counts;
  for (const agent of order.agents ?? []) {
    const template = agent.command === undefined ? agentTemplates[agent.name] : undefined;
    if (template) counts[template.provider] = (counts[template.provider] ?? 0) + 1;
  }
  return counts;
}
