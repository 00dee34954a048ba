import type { ModelProvider } from '@sc/plugin-sdk';
import type { ValidationIssue, WorkOrder } from '@sc/schemas';
import { priceProviders, type ModelPrices } from '../../pricing/model-prices';
import { agentTemplates } from './agent-templates';

/**
 * The agents whose model has no known price, as validation issues, when the work-order has a cost budget:
 * such an agent could never be stopped by it. None for another plugin or without `budget.max_cost_usd`.
 */
export function unpricedAgents(
  order: Pick<WorkOrder, 'plugin' | 'agents' | 'budget'>,
  prices: ModelPrices,
): ValidationIssue[] {
  if (order.plugin !== 'agent-cli' || order.budget?.max_cost_usd === undefined) return [];
  const issues: ValidationIssue[] = [];
  for (const [index, agent] of (order.agents ?? []).entries()) {
    const template = agent.command === undefined ? agentTemplates[agent.name] : undefined;
    if (prices.isKnown(agent.model, template && priceProviders[template.provider])) continue;
    issues.push({
      path: `/agents/${index}/model`,
      message: `agent ${agent.name}: model ${agent.model} has no known price, so budget.max_cost_usd could not stop it (add it to SC_MODEL_PRICES)`,
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
