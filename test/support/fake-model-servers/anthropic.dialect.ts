import { isAbsolute, join } from 'node:path';
import {
  startFakeModelServer,
  type FakeModelOptions,
  type FakeModelServer,
  type FakeStep,
  type FakeUsage,
  type ProviderDialect,
  type SseEvent,
} from './fake-model-server';

/**
 * Anthropic's Messages API as Claude Code (2.1.x) speaks it: `POST {ANTHROPIC_BASE_URL}/v1/messages?beta=true`
 * with `stream: true`, answered with the API's SSE events. The base URL may carry a path prefix; Claude Code
 * keeps it. Non-streaming calls (`stream: false`) get a JSON message; `/v1/messages/count_tokens`, `/v1/models`
 * and the `HEAD /api/hello` reachability probe are answered too. Notes and evidence: claude.contract.md.
 */
export const anthropicDialect: ProviderDialect = {
  isModelCall(method, path) {
    return method === 'POST' && /\/v1\/messages$/.test(pathOf(path));
  },

  offersTools(body) {
    return Array.isArray(recordOf(body).tools) && (recordOf(body).tools as unknown[]).length > 0;
  },

  toolResultCount(body) {
    let count = 0;
    for (const message of messagesOf(body)) {
      if (message.role !== 'user' || !Array.isArray(message.content)) continue;
      for (const block of message.content as unknown[]) if (recordOf(block).type === 'tool_result') count++;
    }
    return count;
  },

  answer(step, usage, body) {
    const message = {
      ...messageShell(body),
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: startUsage(usage),
    };
    const events: SseEvent[] = [
      { event: 'message_start', data: { type: 'message_start', message } },
      { event: 'ping', data: { type: 'ping' } },
    ];
    const block = contentBlock(step, body);
    if (block.type === 'text') {
      events.push({
        event: 'content_block_start',
        data: { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      });
      for (const piece of halves(block.text)) {
        events.push({
          event: 'content_block_delta',
          data: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: piece } },
        });
      }
    } else {
      events.push({
        event: 'content_block_start',
        data: {
          type: 'content_block_start',
          index: 0,
          content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} },
        },
      });
      // Like the API: an empty first delta, then the input's JSON in pieces.
      for (const piece of ['', ...halves(JSON.stringify(block.input))]) {
        events.push({
          event: 'content_block_delta',
          data: { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: piece } },
        });
      }
    }
    events.push(
      { event: 'content_block_stop', data: { type: 'content_block_stop', index: 0 } },
      {
        event: 'message_delta',
        data: {
          type: 'message_delta',
          delta: { stop_reason: stopReason(block), stop_sequence: null },
          usage: { output_tokens: usage.output },
        },
      },
      { event: 'message_stop', data: { type: 'message_stop' } },
    );
    return events;
  },

  answerJson(step, usage, body) {
    if (recordOf(body).stream === true) return undefined;
    const block = contentBlock(step, body);
    return {
      ...messageShell(body),
      content: [block],
      stop_reason: stopReason(block),
      stop_sequence: null,
      usage: { ...startUsage(usage), output_tokens: usage.output },
    };
  },

  errorBody(status, message) {
    return { type: 'error', error: { type: errorType(status), message } };
  },

  other(method, path, body) {
    const route = pathOf(path);
    if (method === 'POST' && /\/v1\/messages\/count_tokens$/.test(route)) {
      return { status: 200, body: { input_tokens: Math.max(1, Math.ceil(JSON.stringify(body ?? {}).length / 4)) } };
    }
    if (method === 'GET' && /\/v1\/models$/.test(route)) {
      const model = {
        type: 'model',
        id: 'claude-fake',
        display_name: 'Claude (fake)',
        created_at: '2025-01-01T00:00:00Z',
      };
      return { status: 200, body: { data: [model], has_more: false, first_id: model.id, last_id: model.id } };
    }
    // Claude Code's reachability probe of the base URL (skipped with CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1).
    if ((method === 'HEAD' || method === 'GET') && /\/api\/hello$/.test(route)) return { status: 200, body: {} };
    return undefined;
  },
};

/** A fake Anthropic Messages API on loopback; point `ANTHROPIC_BASE_URL` at its `url`. */
export function startFakeAnthropicServer(options?: FakeModelOptions): Promise<FakeModelServer> {
  return startFakeModelServer(anthropicDialect, options);
}

type Block =
  { type: 'text'; text: string } | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> };

let answers = 0;

function contentBlock(step: FakeStep, body: unknown): Block {
  const id = `toolu_fake_${String(++answers).padStart(4, '0')}_${Math.random().toString(36).slice(2, 8)}`;
  switch (step.kind) {
    case 'text':
      return { type: 'text', text: step.text };
    case 'write': {
      const filePath = isAbsolute(step.path) ? step.path : join(workingDirectory(body) ?? '', step.path);
      return {
        type: 'tool_use',
        id,
        name: toolName(body, ['Write'], ['file_path', 'content']),
        input: { file_path: filePath, content: step.content },
      };
    }
    case 'shell':
      return {
        type: 'tool_use',
        id,
        name: toolName(body, ['Bash'], ['command']),
        input: { command: step.command, description: 'Run the scripted command' },
      };
  }
}

/**
 * The agent's working directory, which Claude Code states as "Primary working directory: <cwd>" in an
 * environment section (a `system`-role message in 2.1.x, the system prompt in older versions). Searched in
 * the whole request, so it is found wherever a version puts it.
 */
function workingDirectory(body: unknown): string | undefined {
  const record = recordOf(body);
  const text = [textOf(record.system), textOf(record.messages)].join('\n');
  for (const pattern of [
    /Primary working directory: *([^\n]+)/,
    /Working directory: *([^\n]+)/,
    /<cwd>([^<\n]+)<\/cwd>/,
  ]) {
    const match = pattern.exec(text);
    if (match && isAbsolute(match[1].trim())) return match[1].trim();
  }
  return undefined;
}

/** The offered tool named one of `names`, else one whose input schema has `properties`, else the first name. */
function toolName(body: unknown, names: string[], properties: string[]): string {
  const tools = (recordOf(body).tools as unknown[] | undefined)?.map(recordOf) ?? [];
  const byName = tools.find((tool) => names.includes(String(tool.name)));
  if (byName) return String(byName.name);
  const bySchema = tools.find((tool) => {
    const props = recordOf(recordOf(tool.input_schema).properties);
    return properties.every((property) => property in props);
  });
  // Not offered (a narrowed tool set): ask for it anyway, as a model might, and let the CLI refuse it.
  return bySchema ? String(bySchema.name) : names[0];
}

function messageShell(body: unknown): { id: string; type: 'message'; role: 'assistant'; model: string } {
  const model = recordOf(body).model;
  return {
    id: `msg_fake_${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`,
    type: 'message',
    role: 'assistant',
    model: typeof model === 'string' ? model : 'claude-fake',
  };
}

/** `message_start`'s usage: the input side in full, output_tokens 1 (the API's count so far). */
function startUsage(usage: FakeUsage): Record<string, number> {
  return {
    input_tokens: usage.input,
    cache_creation_input_tokens: usage.cacheWrite ?? 0,
    cache_read_input_tokens: usage.cacheRead ?? 0,
    output_tokens: 1,
  };
}

function stopReason(block: Block): 'tool_use' | 'end_turn' {
  return block.type === 'tool_use' ? 'tool_use' : 'end_turn';
}

function errorType(status: number): string {
  const types: Record<number, string> = {
    400: 'invalid_request_error',
    401: 'authentication_error',
    403: 'permission_error',
    404: 'not_found_error',
    413: 'request_too_large',
    429: 'rate_limit_error',
    529: 'overloaded_error',
  };
  return types[status] ?? 'api_error';
}

function halves(text: string): string[] {
  const middle = Math.ceil(text.length / 2);
  return text.length < 2 ? [text] : [text.slice(0, middle), text.slice(middle)];
}

function pathOf(path: string): string {
  return path.split('?')[0].replace(/\/+$/, '');
}

function messagesOf(body: unknown): Array<Record<string, unknown>> {
  const messages = recordOf(body).messages;
  return Array.isArray(messages) ? messages.map(recordOf) : [];
}

/** Every string inside `value` (system blocks, message contents), joined by newlines. */
function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(textOf).join('\n');
  if (value && typeof value === 'object') return Object.values(value).map(textOf).join('\n');
  return '';
}

function recordOf(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
