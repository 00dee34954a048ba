import type { ModelProvider, ModelRoute } from '@sc/plugin-sdk';
import type { Agent } from '@sc/schemas';
import type { AgentOutputReader } from './agent-output/agent-output';
import { agentTemplates } from './agent-templates';
import { createDetectedTokenStream } from './token-streams/detected.token-stream';
import type { TokenStream } from './token-streams/token-stream';

/**
 * How a built-in agent CLI runs unattended in a worktree: its model API, its command line (the
 * instructions come on stdin), and the environment that points it at its model gateway route.
 */
export interface AgentTemplate {
  provider: ModelProvider;
  /** The CLI's executable, found on `PATH`. */
  file: string;
  args(agent: Agent, route: ModelRoute): string[];
  /** `args` turned into the command line that continues session `sessionId` (the prompt still on stdin). */
  resume(args: string[], sessionId: string): string[];
  /** The CLI's environment; `scratchDir` is the agent's own folder beside its worktree, never committed. */
  env(route: ModelRoute, agent: Agent, scratchDir: string): Record<string, string | undefined>;
  /** Files the CLI needs (settings), written into `scratchDir` before it starts: relative path → content. */
  files?: Record<string, string>;
  /** The folder under `scratchDir` where the CLI writes its session transcripts (their names hold the session id). */
  transcripts: string;
  /**
   * Where a transcript kept from another attempt (its path under `transcripts` then) goes for an agent working
   * in `cwd` now; a CLI that files sessions by working folder needs them moved. Default: the same path.
   */
  restoredPath?(path: string, cwd: string): string;
  createOutputReader(): AgentOutputReader;
}

/** How to start one agent: a built-in template, or its own command line (`/bin/sh -c`). */
export type AgentCommand = { template: AgentTemplate } | { template?: undefined; commandLine: string; createTokenStream: () => TokenStream };

/** The agent names that run without a `command`. */
export const templateAgentNames = Object.keys(agentTemplates);

/**
 * How to run `agent`: its own `command` when it has one (its output format detected for token counts),
 * else the built-in template of its name.
 */
export function agentCommand(agent: Agent): AgentCommand {
  if (agent.command !== undefined) return { commandLine: agent.command, createTokenStream: createDetectedTokenStream };
  const template = agentTemplates[agent.name];
  if (!template) throw new Error(`agent ${agent.name} needs a command: only ${templateAgentNames.join(', ')} have built-in templates`);
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
