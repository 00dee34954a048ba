import type { ModelProvider, ModelRoute } from '@sc/plugin-sdk';
import type { Agent } from '@sc/schemas';
import { basename, join } from 'node:path';
import type { AgentOutputReader } from './agent-output/agent-output';
import { createClaudeOutputReader } from './agent-output/claude.agent-output';
import { createCodexOutputReader } from './agent-output/codex.agent-output';
import { createGeminiOutputReader } from './agent-output/gemini.agent-output';

/**
 * How a built-in agent CLI runs unattended in a worktree: its model API, its command line (the
 * instructions come on stdin), and the environment that points it at its model gateway route.
 */
export interface AgentTemplate {
  provider: ModelProvider;
  /** The CLI's executable, found on `PATH`. */
  file: string;
  args(agent: Agent, route: ModelRoute): string[];
  /**
   * The models the CLI calls when `args` name `model`: its aliases resolved, so that each can be priced before a
   * cost budget relies on it. Default: `model` itself.
   */
  models?(model: string): readonly string[];
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

/**
 * Claude Code's model aliases as the pinned release (scripts/agent-cli-pins.json: 2.1.332) resolves them with an
 * API key and a base URL of its own, as the gateway runs it: its first-party catalog, not the `gateway` one.
 * test/support/fake-model-servers/anthropic.dialect.spec.ts runs the real CLI with each alias and fails when a
 * release moves one. `opusplan` plans with opus and works with sonnet; `[1m]` asks for the same model's
 * 1M-token context.
 */
export const claudeCodeAliases: Readonly<Record<string, readonly string[]>> = {
  sonnet: ['claude-sonnet-5-5'],
  opus: ['claude-opus-5-5'],
  haiku: ['claude-haiku-5-5'],
  fable: ['claude-fable-5-2'],
  best: ['claude-opus-5-5'],
  default: ['claude-opus-5-5'],
  opusplan: ['claude-opus-5-5', 'claude-sonnet-5-5'],
};

/** The models Claude Code calls for `model`: an alias's (case and `[1m]` aside), else `model` itself. */
export function claudeCodeModels(model: string): readonly string[] {
  return claudeCodeAliases[model.toLowerCase().replace(/\[1m\]$/, '')] ?? [model];
}

/**
 * The built-in agents. Each runs with no prompt and no trust step, may edit files and run shell commands
 * in its worktree (`tools: "read-only"` narrows it to reading), reads the instructions from stdin, and
 * reaches its model only through its gateway route. Values from the work-order are passed in `--opt=value`
 * form, so none can be read as another option. See README.md beside this file.
 */
export const agentTemplates: Record<string, AgentTemplate> = {
  // Claude Code in print mode; stream-json needs --verbose. acceptEdits alone denies every shell command in
  // print mode: Bash is allowed by name. Read-only keeps the default mode, where a write or a command is denied
  // (and listed in the result's permission_denials) rather than not offered.
  claude: {
    provider: 'anthropic',
    file: 'claude',
    args: (agent) => [
      '-p',
      '--output-format=stream-json',
      '--verbose',
      `--model=${agent.model}`,
      ...(agent.tools === 'read-only'
        ? ['--permission-mode=default']
        : ['--permission-mode=acceptEdits', '--allowedTools=Bash']),
    ],
    models: claudeCodeModels,
    resume: (args, sessionId) => [...args, `--resume=${sessionId}`],
    env: (route) => ({
      ANTHROPIC_BASE_URL: route.baseUrl,
      ANTHROPIC_API_KEY: route.apiKey,
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      DISABLE_AUTOUPDATER: '1',
      DISABLE_TELEMETRY: '1',
      DISABLE_ERROR_REPORTING: '1',
    }),
    transcripts: 'home/.claude/projects',
    // Claude Code files sessions by working folder (every character but letters and digits made '-'), and an
    // attempt's worktree is a folder of its own.
    restoredPath: (path, cwd) => join(cwd.replace(/[^A-Za-z0-9]/g, '-'), basename(path)),
    createOutputReader: createClaudeOutputReader,
  },
  // OpenAI Codex CLI, `codex exec` with the prompt from stdin (`-`). It ignores OPENAI_BASE_URL: the gateway is a
  // model provider of its own. Its own sandbox keeps a linked worktree's git data read-only (no commits), so
  // "full" runs without it; analytics and plugin sync are off (no traffic but the model's).
  codex: {
    provider: 'openai',
    file: 'codex',
    args: (agent, route) => [
      'exec',
      '--json',
      '--color=never',
      `--model=${agent.model}`,
      `--sandbox=${agent.tools === 'read-only' ? 'read-only' : 'danger-full-access'}`,
      '--config=model_provider="sc_gateway"',
      '--config=model_providers.sc_gateway.name="Solar Circuit model gateway"',
      `--config=model_providers.sc_gateway.base_url=${JSON.stringify(route.baseUrl)}`,
      '--config=model_providers.sc_gateway.env_key="SC_GATEWAY_KEY"',
      '--config=model_providers.sc_gateway.wire_api="responses"',
      '--config=analytics.enabled=false',
      '--disable=plugins',
      '-',
    ],
    // `codex exec [options] resume <id> -`: the options stay before `resume`, which takes none of its own.
    resume: (args, sessionId) => [...args.slice(0, -1), 'resume', sessionId, '-'],
    env: (route) => ({ SC_GATEWAY_KEY: route.apiKey }),
    transcripts: 'home/.codex/sessions',
    createOutputReader: createCodexOutputReader,
  },
  // Gemini CLI, with a home of its own (GEMINI_CLI_HOME; a system settings file is refused under a world-writable
  // folder such as /tmp). Its settings select the API key (a base URL alone selects an auth type headless mode
  // refuses) and turn the per-folder trust step, telemetry, usage statistics, auto-update and the IDE link off.
  // Only yolo offers the shell tool. Without GEMINI_CLI_NO_RELAUNCH it runs in a child process that its parent
  // shields from SIGTERM.
  gemini: {
    provider: 'gemini',
    file: 'gemini',
    args: (agent) => [
      '--output-format=stream-json',
      `--model=${agent.model}`,
      `--approval-mode=${agent.tools === 'read-only' ? 'default' : 'yolo'}`,
    ],
    resume: (args, sessionId) => [...args, `--resume=${sessionId}`],
    env: (route, _agent, scratchDir) => ({
      GOOGLE_GEMINI_BASE_URL: route.baseUrl,
      GEMINI_API_KEY: route.apiKey,
      GEMINI_CLI_HOME: join(scratchDir, 'gemini-home'),
      GEMINI_CLI_NO_RELAUNCH: 'true',
    }),
    files: {
      'gemini-home/.gemini/settings.json': JSON.stringify({
        security: { auth: { selectedType: 'gemini-api-key' }, folderTrust: { enabled: false } },
        privacy: { usageStatisticsEnabled: false },
        telemetry: { enabled: false },
        general: { enableAutoUpdate: false, enableAutoUpdateNotification: false },
        ide: { enabled: false },
      }),
    },
    transcripts: 'gemini-home/.gemini/tmp',
    createOutputReader: createGeminiOutputReader,
  },
};
