import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Token usage a fake answer declares. Every answer carries it, side calls included. */
export interface FakeUsage {
  /** Input tokens that were neither read from nor written to the cache. */
  input: number;
  output: number;
  cacheRead?: number;
  cacheWrite?: number;
}

/** One step of a scripted agent: what the model asks for when the conversation holds `index` tool results. */
export type FakeStep =
  | { kind: 'write'; path: string; content: string }
  | { kind: 'shell'; command: string }
  | { kind: 'text'; text: string };

/** A fault injected into the answers, counted over tool-offering calls (the agent's own turns). */
export type FakeFault =
  /**
   * `times` calls from the `fromCall`-th on (0-based, default 0) answer 429 with `retry-after` (default 1 s; `null`:
   * no reset time at all).
   */
  | { kind: '429'; times: number; fromCall?: number; retryAfterS?: number | null }
  /** Calls from the `fromCall`-th on (0-based), `count` of them (default: all), send headers and then nothing, forever. */
  | { kind: 'hang'; fromCall?: number; count?: number }
  /** The `call`-th call (0-based) sends `afterEvents` SSE events, then the connection is destroyed. */
  | { kind: 'cut-off'; call: number; afterEvents: number };

export interface FakeModelOptions {
  /** The agent's steps, one per turn; after the last, a final text. Default: {@link defaultScript}. */
  script?: FakeStep[];
  /** Usage of every answer (default { input: 100, output: 20, cacheRead: 0, cacheWrite: 0 }). */
  usage?: FakeUsage;
  /** Milliseconds before each answer starts. */
  delayMs?: number;
  /** Milliseconds between the SSE events of an answer. */
  eventDelayMs?: number;
  fault?: FakeFault;
  /** The address to listen on (default 127.0.0.1); the compose test listens where containers reach the host. */
  host?: string;
}

/** The default script: write a file, run a shell command, answer "done". */
export function defaultScript(): FakeStep[] {
  return [
    { kind: 'write', path: 'hello.txt', content: 'hello from the fake model\n' },
    { kind: 'shell', command: "node -e \"require('fs').writeFileSync('ran.txt', process.version)\"" },
  ];
}

/** One SSE event: `event:` line when `event` is set, then `data:` with `data` as JSON. */
export interface SseEvent {
  event?: string;
  data: unknown;
}

/** A call the fake server received. */
export interface RecordedCall {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: unknown;
  /** Whether the request offered tools (an agent turn) or not (a side call: titles, summaries, checks). */
  agentTurn: boolean;
  /** The status it was answered with. */
  status: number;
  /** Whether a model call's whole answer was sent (not refused, hung or cut off). */
  delivered: boolean;
}

/**
 * How one provider's API is spoken: which requests are model calls, where a conversation stands, and the
 * SSE events of an answer. One implementation per provider, beside this file.
 */
export interface ProviderDialect {
  /** Whether `method path` is a streaming model call this dialect answers. */
  isModelCall(method: string, path: string): boolean;
  /** Whether the request offers tools (an agent's turn, scripted) rather than being a side call. */
  offersTools(body: unknown): boolean;
  /** How many tool results the conversation already holds: the index of the next step. */
  toolResultCount(body: unknown): number;
  /** The events of one answer: `step` (a tool call or final text) with `usage`. */
  answer(step: FakeStep, usage: FakeUsage, body: unknown, path: string): SseEvent[];
  /**
   * The JSON body of a non-streaming answer (e.g. Anthropic's `stream: false`), or undefined to stream `answer`.
   * A `hang` fault holds such a call unanswered; a `cut-off` destroys its connection before any byte.
   */
  answerJson?(step: FakeStep, usage: FakeUsage, body: unknown, path: string): unknown;
  /** The JSON body of an error answer in this provider's format. */
  errorBody(status: number, message: string): unknown;
  /**
   * Answers to calls that are not streaming model calls (model lists, token counts, non-streaming side calls, which
   * declare `usage`), or undefined for 404.
   */
  other?(method: string, path: string, body: unknown, usage: FakeUsage): { status: number; body: unknown } | undefined;
}

export interface FakeModelServer {
  /** `http://<host>:<port>` */
  url: string;
  /** Every call received, in order. */
  calls: RecordedCall[];
  close(): Promise<void>;
}

/** Starts a fake model API on loopback speaking `dialect`, scripted by `options`. */
export async function startFakeModelServer(
  dialect: ProviderDialect,
  options: FakeModelOptions = {},
): Promise<FakeModelServer> {
  const script = options.script ?? defaultScript();
  const usage = options.usage ?? { input: 100, output: 20, cacheRead: 0, cacheWrite: 0 };
  const calls: RecordedCall[] = [];
  const hanging = new Set<ServerResponse>();
  let agentCalls = 0;
  const hangs = (callIndex: number) => {
    const { fault } = options;
    if (fault?.kind !== 'hang') return false;
    const from = fault.fromCall ?? 0;
    return callIndex >= from && callIndex < from + (fault.count ?? Infinity);
  };

  const server = createServer((request, response) => {
    void handle(request, response).catch((error: Error) => {
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: error.message }));
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const text = await readBody(request);
    const body: unknown = text ? JSON.parse(text) : undefined;
    const method = request.method ?? 'GET';
    const path = request.url ?? '/';
    const call: RecordedCall = {
      method,
      path,
      headers: request.headers,
      body,
      agentTurn: false,
      status: 200,
      delivered: false,
    };
    calls.push(call);
    if (!dialect.isModelCall(method, path)) {
      const other = dialect.other?.(method, path, body, usage) ?? {
        status: 404,
        body: dialect.errorBody(404, `no route ${method} ${path}`),
      };
      call.status = other.status;
      return sendJson(response, other.status, other.body);
    }
    call.agentTurn = dialect.offersTools(body);
    const callIndex = call.agentTurn ? agentCalls++ : -1;
    const { fault } = options;
    if (options.delayMs) await sleep(options.delayMs);
    const limitedFrom = fault?.kind === '429' ? (fault.fromCall ?? 0) : 0;
    if (call.agentTurn && fault?.kind === '429' && callIndex >= limitedFrom && callIndex < limitedFrom + fault.times) {
      call.status = 429;
      if (fault.retryAfterS !== null) response.setHeader('retry-after', String(fault.retryAfterS ?? 1));
      return sendJson(response, 429, dialect.errorBody(429, 'rate limited by the fake model server'));
    }
    const step: FakeStep = call.agentTurn
      ? (script[dialect.toolResultCount(body)] ?? { kind: 'text', text: 'done' })
      : { kind: 'text', text: 'ok' };
    const json = dialect.answerJson?.(step, usage, body, path);
    if (json !== undefined) {
      if (call.agentTurn && hangs(callIndex)) {
        hanging.add(response);
        return;
      }
      if (call.agentTurn && fault?.kind === 'cut-off' && fault.call === callIndex) {
        response.destroy();
        return;
      }
      call.delivered = true;
      return sendJson(response, 200, json);
    }
    response.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    response.flushHeaders();
    if (call.agentTurn && hangs(callIndex)) {
      hanging.add(response);
      return;
    }
    const events = dialect.answer(step, usage, body, path);
    const cutAfter =
      call.agentTurn && fault?.kind === 'cut-off' && fault.call === callIndex ? fault.afterEvents : Infinity;
    for (const [index, event] of events.entries()) {
      if (index >= cutAfter) {
        // What was written reached the client (the write callbacks ran); the rest never comes.
        response.destroy();
        return;
      }
      if (options.eventDelayMs && index > 0) await sleep(options.eventDelayMs);
      const text = `${event.event ? `event: ${event.event}\n` : ''}data: ${JSON.stringify(event.data)}\n\n`;
      await new Promise<void>((resolve) => response.write(text, () => resolve()));
    }
    response.end();
    call.delivered = true;
  }

  const host = options.host ?? '127.0.0.1';
  server.listen(0, host);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    calls,
    async close() {
      for (const response of hanging) response.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
