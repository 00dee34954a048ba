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
 * The Gemini API (generativelanguage v1beta) as Gemini CLI 0.61 speaks it, with `GOOGLE_GEMINI_BASE_URL` pointing here:
 * - `POST /v1beta/models/<model>:streamGenerateContent?alt=sse`: every turn of the agent (tools offered), answered
 *   as SSE `data: <GenerateContentResponse>` events, usage on the last one;
 * - `POST /v1beta/models/<model>:generateContent`: the CLI's side calls (model router, next-speaker and loop checks,
 *   summaries), which ask for JSON matching `generationConfig.responseJsonSchema`; answered as one JSON response;
 * - `POST /v1beta/models/<model>:countTokens`: answered with a rough count.
 * Notes on the CLI's side: gemini.contract.md.
 */

interface GeminiPart {
  text?: string;
  thought?: boolean;
  functionCall?: { name: string; args: Record<string, unknown> };
  functionResponse?: { name: string; response: unknown };
}

interface GeminiContent {
  role?: string;
  parts?: GeminiPart[];
}

interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  enum?: unknown[];
  items?: JsonSchema;
  minimum?: number;
}

interface FunctionDeclaration {
  name: string;
  parameters?: JsonSchema;
  parametersJsonSchema?: JsonSchema;
}

interface GeminiRequest {
  contents?: GeminiContent[];
  tools?: { functionDeclarations?: FunctionDeclaration[] }[];
  generationConfig?: { responseJsonSchema?: JsonSchema; responseSchema?: JsonSchema; responseMimeType?: string };
}

const modelCallPattern = /^\/v1(?:beta|alpha)?\/models\/([^/:?]+):streamGenerateContent(?:\?|$)/;
const sideCallPattern = /^\/v1(?:beta|alpha)?\/models\/([^/:?]+):generateContent(?:\?|$)/;
const countTokensPattern = /^\/v1(?:beta|alpha)?\/models\/([^/:?]+):countTokens(?:\?|$)/;

/** The model a request path names (`gemini-2.5-pro` of `/v1beta/models/gemini-2.5-pro:…`). */
export function geminiModelOf(path: string): string {
  return /\/models\/([^/:?]+)/.exec(path)?.[1] ?? 'unknown';
}

/** The `usageMetadata` of an answer: the prompt count includes the cached part, the total includes thoughts. */
export function geminiUsageMetadata(usage: FakeUsage) {
  const cached = (usage.cacheRead ?? 0) + (usage.cacheWrite ?? 0);
  const promptTokenCount = usage.input + cached;
  return {
    promptTokenCount,
    candidatesTokenCount: usage.output,
    cachedContentTokenCount: usage.cacheRead ?? 0,
    thoughtsTokenCount: 0,
    totalTokenCount: promptTokenCount + usage.output,
  };
}

function declarations(body: unknown): FunctionDeclaration[] {
  return ((body as GeminiRequest | undefined)?.tools ?? []).flatMap((tool) => tool.functionDeclarations ?? []);
}

/** A tool call for `step`, named and shaped after the declarations the request offers. */
function functionCallFor(step: Exclude<FakeStep, { kind: 'text' }>, body: unknown): GeminiPart['functionCall'] {
  const offered = declarations(body);
  const find = (names: string[]) => offered.find((declaration) => names.includes(declaration.name));
  const parameterNames = (declaration: FunctionDeclaration | undefined) =>
    Object.keys((declaration?.parametersJsonSchema ?? declaration?.parameters)?.properties ?? {});
  if (step.kind === 'write') {
    const declaration = find(['write_file']);
    const names = parameterNames(declaration);
    const pathName = names.find((name) => /path/i.test(name)) ?? 'file_path';
    const contentName = names.find((name) => /content/i.test(name)) ?? 'content';
    return { name: declaration?.name ?? 'write_file', args: { [pathName]: step.path, [contentName]: step.content } };
  }
  const declaration = find(['run_shell_command', 'shell']);
  const names = parameterNames(declaration);
  const commandName = names.find((name) => /command/i.test(name)) ?? 'command';
  return { name: declaration?.name ?? 'run_shell_command', args: { [commandName]: step.command } };
}

/** A JSON value satisfying `schema`, for the side calls that ask for structured output. */
function sampleOf(schema: JsonSchema | undefined, key = ''): unknown {
  if (!schema) return {};
  if (schema.enum?.length) {
    // The next-speaker check: "user" ends the turn (the default would be "model", which asks for more).
    if (key === 'next_speaker' && schema.enum.includes('user')) return 'user';
    return schema.enum[0];
  }
  switch ((schema.type ?? 'object').toLowerCase()) {
    case 'string':
      return 'fake';
    case 'number':
    case 'integer':
      // Loop detection reads a confidence (0: no loop); the router a complexity score from 1.
      return /confidence/i.test(key) ? 0 : (schema.minimum ?? 1);
    case 'boolean':
      return false;
    case 'array':
      return [];
    default:
      return Object.fromEntries(
        Object.entries(schema.properties ?? {}).map(([name, property]) => [name, sampleOf(property, name)]),
      );
  }
}

function isFunctionResponse(content: GeminiContent): boolean {
  return content.role === 'user' && (content.parts ?? []).some((part) => part.functionResponse);
}

/**
 * Gemini CLI's own API. Tool results come back as `functionResponse` parts of user contents; the count of such
 * contents is where the script stands (a parallel call's results share one content).
 */
export const geminiDialect: ProviderDialect = {
  isModelCall(method, path) {
    return method === 'POST' && modelCallPattern.test(path);
  },

  offersTools(body) {
    return declarations(body).length > 0;
  },

  toolResultCount(body) {
    return ((body as GeminiRequest | undefined)?.contents ?? []).filter(isFunctionResponse).length;
  },

  answer(step, usage, body, path): SseEvent[] {
    const modelVersion = geminiModelOf(path);
    const responseId = `fake-${Math.random().toString(36).slice(2, 10)}`;
    const chunk = (parts: GeminiPart[], last: boolean): SseEvent => ({
      data: {
        candidates: [{ content: { role: 'model', parts }, index: 0, ...(last ? { finishReason: 'STOP' } : {}) }],
        ...(last ? { usageMetadata: geminiUsageMetadata(usage) } : {}),
        modelVersion,
        responseId,
      },
    });
    if (step.kind === 'text') {
      // Two chunks, as a real stream splits text; the finish reason and the usage ride on the last.
      const middle = Math.ceil(step.text.length / 2);
      return [chunk([{ text: step.text.slice(0, middle) }], false), chunk([{ text: step.text.slice(middle) }], true)];
    }
    return [
      chunk([{ text: step.kind === 'write' ? 'Writing the file.' : 'Running the command.' }], false),
      chunk([{ functionCall: functionCallFor(step, body) }], true),
    ];
  },

  errorBody(status, message) {
    const statuses: Record<number, string> = {
      400: 'INVALID_ARGUMENT',
      404: 'NOT_FOUND',
      429: 'RESOURCE_EXHAUSTED',
      500: 'INTERNAL',
      503: 'UNAVAILABLE',
    };
    return { error: { code: status, message, status: statuses[status] ?? 'UNKNOWN' } };
  },

  other(method, path, body, usage) {
    if (method === 'POST' && sideCallPattern.test(path)) {
      const config = (body as GeminiRequest | undefined)?.generationConfig;
      const schema = config?.responseJsonSchema ?? config?.responseSchema;
      const text = schema || config?.responseMimeType === 'application/json' ? JSON.stringify(sampleOf(schema)) : 'ok';
      return {
        status: 200,
        body: {
          candidates: [{ content: { role: 'model', parts: [{ text }] }, finishReason: 'STOP', index: 0 }],
          usageMetadata: geminiUsageMetadata(usage),
          modelVersion: geminiModelOf(path),
          responseId: `fake-${Math.random().toString(36).slice(2, 10)}`,
        },
      };
    }
    if (method === 'POST' && countTokensPattern.test(path)) {
      return { status: 200, body: { totalTokens: Math.ceil(JSON.stringify(body ?? {}).length / 4) } };
    }
    if (method === 'GET' && /^\/v1(?:beta|alpha)?\/models(?:\?|$)/.test(path)) {
      return { status: 200, body: { models: [] } };
    }
    return undefined;
  },
};

/** Starts a fake Gemini API on loopback; point the CLI at it with `GOOGLE_GEMINI_BASE_URL=<url>`. */
export function startFakeGeminiServer(options?: FakeModelOptions): Promise<FakeModelServer> {
  return startFakeModelServer(geminiDialect, options);
}
