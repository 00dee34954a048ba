import type { Agent, WorkOrder } from '@sc/schemas';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModelPrices, ModelPrices } from '../../pricing/model-prices';
import { unpricedAgents } from './agent-providers';
import { agentTemplates } from './agent-templates';

const prices = new ModelPrices();

function order(agents: Agent[], budget: WorkOrder['budget'] = { max_cost_usd: 1 }) {
  return { plugin: 'agent-cli', agents, budget };
}

describe(unpricedAgents.name, () => {
  it("names each built-in agent's model on its CLI's command line, so the CLI's own default never runs unpriced", () => {
    // Codex 0.171 on its own would call gpt-6.2-sol, which the table does not price.
    const route = { baseUrl: 'http://127.0.0.1:1/r/x', apiKey: 'k', close: async () => undefined };
    for (const [name, template] of Object.entries(agentTemplates)) {
      expect(template.args({ name, model: 'some-model', role: 'implementer' }, route)).toContain('--model=some-model');
    }
  });

  it('accepts the Claude Code aliases whose models are priced, each as the model the CLI calls for it', () => {
    const aliases = ['sonnet', 'opus', 'best', 'default', 'opusplan', 'Sonnet[1m]', 'claude-sonnet-4-5'];
    const agents = aliases.map((model) => ({ name: 'claude', model, role: 'implementer' }));
    expect(unpricedAgents(order(agents), prices)).toEqual([]);
  });

  it('refuses a Claude Code alias whose model has no price, naming the model the CLI would call', () => {
    // haiku is claude-haiku-5-5 in Claude Code 2.1.332, which the table does not price (yet).
    expect(unpricedAgents(order([{ name: 'claude', model: 'haiku', role: 'reviewer' }]), prices)).toEqual([
      {
        path: '/agents/0/model',
        message:
          'agent claude: model haiku (claude calls claude-haiku-5-5) has no known price, so budget.max_cost_usd could not stop it (add claude-haiku-5-5 to SC_MODEL_PRICES)',
      },
    ]);
  });

  it('accepts that alias once SC_MODEL_PRICES prices the model it resolves to', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sc-agent-providers-'));
    try {
      const file = join(dir, 'prices.json');
      writeFileSync(file, JSON.stringify({ 'claude-haiku-5-5': { input_mtok: 1, output_mtok: 5 } }));
      const withHaiku = loadModelPrices({ SC_MODEL_PRICES: file });
      expect(unpricedAgents(order([{ name: 'claude', model: 'haiku', role: 'reviewer' }]), withHaiku)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses an unknown model of a built-in agent or a command agent, and nothing without a cost budget', () => {
    const agents: Agent[] = [
      { name: 'codex', model: 'gpt-9-imaginary', role: 'implementer' },
      { name: 'aider', model: 'sonnet', role: 'implementer', command: 'aider --yes' },
      { name: 'gemini', model: 'gemini-2.5-pro', role: 'implementer' },
    ];
    expect(unpricedAgents(order(agents), prices).map((issue) => issue.message)).toEqual([
      'agent codex: model gpt-9-imaginary has no known price, so budget.max_cost_usd could not stop it (add gpt-9-imaginary to SC_MODEL_PRICES)',
      // A command agent's `sonnet` is only a name: nothing resolves it.
      'agent aider: model sonnet has no known price, so budget.max_cost_usd could not stop it (add sonnet to SC_MODEL_PRICES)',
    ]);
    expect(unpricedAgents(order(agents, { max_tokens: 1000 }), prices)).toEqual([]);
  });
});
