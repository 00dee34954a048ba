import type { Agent } from '@sc/schemas';
import { agentTemplates, type AgentTemplate } from './agent-templates';
import { createDetectedTokenStream } from './token-streams/detected.token-stream';
import type { TokenStream } from './token-streams/token-stream';

/** How to start one agent: a built-in template, or its own command line (`/bin/sh -c`). */
export type AgentCommand =
  { template: AgentTemplate } | { template?: undefined; commandLine: string; createTokenStream: () => TokenStream };

/** The agent names that run without a `command`. */
export const templateAgentNames = Object.keys(agentTemplates);

/**
 * How to run `agent`: its own `command` when it has one (its output format detected for token counts),
 * else the built-in template of its name.
 */
export function agentCommand(agent: Agent): AgentCommand {
  if (agent.command !== undefined) return { commandLine: agent.command, createTokenStream: createDetectedTokenStream };
  const template = agentTemplates[agent.name];
  if (!template)
    throw new Error(
      `agent ${agent.name} needs a command: only ${templateAgentNames.join(', ')} have built-in templates`,
    );
  return { template };
}

/** Throws, naming the agent, when it has neither a `command` nor a built-in template. */
export function assertAgentRunnable(agent: Agent): void {
  agentCommand(agent);
}

/** The prompt an agent gets: the work-order's instructions, and its role when there are several agents. */
export function agentInstructions(instructions: string, agent: Agent, agentCount: number): string {
  return agentCount > 1 ? `${instructions}\n\nYour role in this work-order: ${agent.role}.` : instructions;
}
