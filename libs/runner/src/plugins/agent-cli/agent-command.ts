import type { Agent } from '@sc/schemas';
import { createClaudeTokenStream } from './token-streams/claude.token-stream';
import { createCodexTokenStream } from './token-streams/codex.token-stream';
import { createDetectedTokenStream } from './token-streams/detected.token-stream';
import { createGeminiTokenStream } from './token-streams/gemini.token-stream';
import type { TokenStream } from './token-streams/token-stream';

/** How to start one agent: a file with arguments (templates) or a shell command line (`command`). */
export type AgentCommand = { file: string; args: string[]; createTokenStream: () => TokenStream } | { commandLine: string; createTokenStream: () => TokenStream };

/**
 * The command lines of the agent CLIs that have a built-in template, found on `PATH`. Values from the
 * work-order are passed as `--option=value` or after `--`, so none can be read as another option.
 * Each CLI is told to edit files without asking: nobody is there to answer, and the worktree is its own.
 */
const templates: Record<string, (model: string, instructions: string) => { file: string; args: string[]; createTokenStream: () => TokenStream }> = {
  // Claude Code: `claude -p … --output-format stream-json --verbose` (stream-json in print mode needs --verbose).
  claude: (model, instructions) => ({
    file: 'claude',
    args: ['-p', '--output-format', 'stream-json', '--verbose', `--model=${model}`, '--permission-mode', 'acceptEdits', '--', instructions],
    createTokenStream: createClaudeTokenStream,
  }),
  // OpenAI Codex CLI: `codex exec --json`; its default sandbox is read-only.
  codex: (model, instructions) => ({
    file: 'codex',
    args: ['exec', '--json', `--model=${model}`, '--sandbox', 'workspace-write', '--', instructions],
    createTokenStream: createCodexTokenStream,
  }),
  // Gemini CLI: `gemini --output-format stream-json -m <model> -p <instructions>`.
  gemini: (model, instructions) => ({
    file: 'gemini',
    args: ['--output-format', 'stream-json', `--model=${model}`, '--approval-mode', 'auto_edit', `--prompt=${instructions}`],
    createTokenStream: createGeminiTokenStream,
  }),
};

/** The agent names that run without a `command`. */
export const templateAgentNames = Object.keys(templates);

/**
 * How to run `agent` with `instructions`: its own `command` when it has one (through `/bin/sh -c`, reading
 * the instructions from `SC_INSTRUCTIONS` or the file `SC_INSTRUCTIONS_FILE`, its output format detected),
 * else the built-in template of its name.
 */
export function agentCommand(agent: Agent, instructions: string): AgentCommand {
  if (agent.command !== undefined) return { commandLine: agent.command, createTokenStream: createDetectedTokenStream };
  const template = templates[agent.name];
  if (!template) throw new Error(`agent ${agent.name} needs a command: only ${templateAgentNames.join(', ')} have built-in templates`);
  return template(agent.model, instructions);
}

/** Throws, naming the agent, when it has neither a `command` nor a built-in template. */
export function assertAgentRunnable(agent: Agent): void {
  agentCommand(agent, '');
}

/** The prompt an agent gets: the work-order's instructions, and its role when there are several agents. */
export function agentInstructions(instructions: string, agent: Agent, agentCount: number): string {
  return agentCount > 1 ? `${instructions}\n\nYour role in this work-order: ${agent.role}.` : instructions;
}
