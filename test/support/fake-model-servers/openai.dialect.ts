import { randomUUID } from 'node:crypto';
import {
  startFakeModelServer,
  type FakeModelOptions,
  type FakeModelServer,
  type FakeStep,
  type FakeUsage,
  type ProviderDialect,
  type SseEvent,
} from './fake-model-server';

/** The parts of an OpenAI Responses request this dialect reads. */
interface ResponsesRequest {
  model?: string;
  tools?: Array<{ type?: string; name?: string }>;
  input?: Array<{ type?: string }>;
}

/** An output item of an answer: a message, a function call or a freeform (custom) tool call. */
type OutputItem = Record<string, unknown> & { id: string; type: string };

/** Conversation items that carry a tool's result back to the model; each one is a finished step. */
const toolResultTypes = new Set(['function_call_output', 'custom_tool_call_output', 'local_shell_call_output']);

/**
 * The OpenAI Responses API as Codex CLI 0.171 speaks it: `POST /v1/responses` with `stream: true`, answered by
 * SSE events `response.created` … `response.completed` (which carries the usage). Tools are picked from the ones
 * the request offers: a file is written with the freeform `apply_patch` tool, a command runs through
 * `exec_command` (`shell_command` and `shell` for older tool sets).
 */
export const openaiDialect: ProviderDialect = {
  isModelCall(method, path) {
    return method === 'POST' && pathOf(path).endsWith('/responses');
  },

  offersTools(body) {
    return ((body as ResponsesRequest | undefined)?.tools?.length ?? 0) > 0;
  },

  toolResultCount(body) {
    return ((body as ResponsesRequest | undefined)?.input ?? []).filter((item) => toolResultTypes.has(item.type ?? ''))
      .length;
  },

  answer(step, usage, body) {
    const request = (body ?? {}) as ResponsesRequest;
    const model = request.model ?? 'fake-model';
    const id = `resp_${randomUUID().replace(/-/g, '')}`;
    const item = outputItem(step, request.tools ?? []);
    const events: SseEvent[] = [];
    const emit = (type: string, data: Record<string, unknown>): void => {
      events.push({ event: type, data: { type, sequence_number: events.length, ...data } });
    };
    const envelope = { id, object: 'response', created_at: Math.floor(Date.now() / 1000), model };
    emit('response.created', { response: { ...envelope, status: 'in_progress', output: [] } });
    emit('response.in_progress', { response: { ...envelope, status: 'in_progress', output: [] } });
    const at = { item_id: item.id, output_index: 0 };
    if (item.type === 'message') {
      const text = (item.content as Array<{ text: string }>)[0].text;
      emit('response.output_item.added', { output_index: 0, item: { ...item, status: 'in_progress', content: [] } });
      emit('response.content_part.added', {
        ...at,
        content_index: 0,
        part: { type: 'output_text', text: '', annotations: [] },
      });
      for (const delta of chunks(text)) emit('response.output_text.delta', { ...at, content_index: 0, delta });
      emit('response.output_text.done', { ...at, content_index: 0, text });
      emit('response.content_part.done', {
        ...at,
        content_index: 0,
        part: { type: 'output_text', text, annotations: [] },
      });
    } else if (item.type === 'custom_tool_call') {
      const input = item.input as string;
      emit('response.output_item.added', { output_index: 0, item: { ...item, status: 'in_progress', input: '' } });
      for (const delta of chunks(input)) emit('response.custom_tool_call_input.delta', { ...at, delta });
      emit('response.custom_tool_call_input.done', { ...at, input });
    } else {
      const args = item.arguments as string;
      emit('response.output_item.added', { output_index: 0, item: { ...item, status: 'in_progress', arguments: '' } });
      for (const delta of chunks(args)) emit('response.function_call_arguments.delta', { ...at, delta });
      emit('response.function_call_arguments.done', { ...at, arguments: args });
    }
    emit('response.output_item.done', { output_index: 0, item });
    emit('response.completed', {
      response: { ...envelope, status: 'completed', output: [item], usage: responsesUsage(usage) },
    });
    return events;
  },

  errorBody(status, message) {
    const type = status === 429 ? 'rate_limit_exceeded' : status >= 500 ? 'server_error' : 'invalid_request_error';
    return { error: { message, type, code: status === 429 ? 'rate_limit_exceeded' : null, param: null } };
  },

  other(method, path) {
    // Codex 0.171 with a custom provider calls nothing but /responses; these keep other clients (and a future
    // model-discovery call) from failing on a 404.
    if (method === 'GET' && pathOf(path).endsWith('/models')) {
      return {
        status: 200,
        body: { object: 'list', data: [{ id: 'gpt-5.5', object: 'model', created: 0, owned_by: 'fake' }], models: [] },
      };
    }
    return undefined;
  },
};

/** Starts a fake OpenAI Responses API on loopback; point Codex at `${url}/v1` (see codex.contract.md). */
export function startFakeOpenAIServer(options?: FakeModelOptions): Promise<FakeModelServer> {
  return startFakeModelServer(openaiDialect, options);
}

/** The output item that carries `step`, using the tools the request offers. */
function outputItem(step: FakeStep, tools: NonNullable<ResponsesRequest['tools']>): OutputItem {
  const callId = `call_${randomUUID().replace(/-/g, '').slice(0, 24)}`;
  const offered = (name: string): string | undefined => tools.find((tool) => tool.name === name)?.type;
  if (step.kind === 'text') {
    return {
      id: `msg_${callId}`,
      type: 'message',
      status: 'completed',
      role: 'assistant',
      content: [{ type: 'output_text', text: step.text, annotations: [] }],
    };
  }
  if (step.kind === 'write') {
    const patch = [
      '*** Begin Patch',
      `*** Add File: ${step.path}`,
      ...contentLines(step.content).map((line) => `+${line}`),
      '*** End Patch',
      '',
    ].join('\n');
    const kind = offered('apply_patch');
    if (kind === 'custom')
      return {
        id: `ctc_${callId}`,
        type: 'custom_tool_call',
        status: 'completed',
        call_id: callId,
        name: 'apply_patch',
        input: patch,
      };
    if (kind === 'function') return functionCall(callId, 'apply_patch', { input: patch });
    return shellCall(
      callId,
      `cat > ${quote(step.path)} <<'FAKE_MODEL_EOF'\n${step.content.replace(/\n$/, '')}\nFAKE_MODEL_EOF`,
      offered,
    );
  }
  return shellCall(callId, step.command, offered);
}

/** A call of whichever shell tool is offered: `exec_command` (unified exec), `shell_command` or `shell`. */
function shellCall(callId: string, command: string, offered: (name: string) => string | undefined): OutputItem {
  if (offered('exec_command')) return functionCall(callId, 'exec_command', { cmd: command, yield_time_ms: 10_000 });
  if (offered('shell_command')) return functionCall(callId, 'shell_command', { command });
  return functionCall(callId, 'shell', { command: ['bash', '-lc', command] });
}

function functionCall(callId: string, name: string, args: unknown): OutputItem {
  return {
    id: `fc_${callId}`,
    type: 'function_call',
    status: 'completed',
    call_id: callId,
    name,
    arguments: JSON.stringify(args),
  };
}

/** Usage as `response.completed` reports it: input includes the cached part; OpenAI has no cache writes. */
function responsesUsage(usage: FakeUsage): Record<string, unknown> {
  const input = usage.input + (usage.cacheRead ?? 0) + (usage.cacheWrite ?? 0);
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: usage.cacheRead ?? 0 },
    output_tokens: usage.output,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: input + usage.output,
  };
}

/** The lines of a file's content, without the empty one after a final newline. */
function contentLines(content: string): string[] {
  return content.replace(/\n$/, '').split('\n');
}

/** A few deltas, so clients see a real stream rather than one event. */
function chunks(text: string): string[] {
  const size = Math.max(1, Math.ceil(text.length / 3));
  const parts: string[] = [];
  for (let at = 0; at < text.length; at += size) parts.push(text.slice(at, at + size));
  return parts;
}

function quote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

function pathOf(path: string): string {
  return path.split('?')[0];
}
