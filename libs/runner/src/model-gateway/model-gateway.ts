import type { ModelProvider, ModelRoute, UsageReport } from '@sc/plugin-sdk';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import {
  Agent as HttpAgent,
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { ModelPrices } from '../pricing/model-prices';
import { MeteredCall } from './metered-call';
import { rateLimitReset, rateLimitStatuses } from './rate-limit-reset';
import type { Upstreams } from './upstreams';

/** What one route meters and guards: one agent of one Round. */
export interface GatewayRouteOptions {
  provider: ModelProvider;
  agent: string;
  /** Each increase of usage, as the answers stream. */
  onUsage: (usage: UsageReport) => void;
  /** Why no call may start now (`budget_exceeded: …`), or undefined. Asked before each call. */
  refusal: () => string | undefined;
  /** Told of each call the route refused or could not forward. */
  onRefused?: (reason: string) => void;
  /** Told of each rate-limit or overload answer (429, 529), with when the limit resets if it says. */
  onRateLimited?: (resetAt: Date | undefined) => void;
  /** Told as each call starts and as its answer streams. */
  onActivity?: () => void;
}

interface Route extends GatewayRouteOptions {
  calls: Set<IncomingMessage>;
}

// Hop-by-hop and framing headers are the gateway's own on each side; credentials are replaced by the upstream's.
const droppedRequestHeaders = new Set([
  'host',
  'connection',
  'keep-alive',
  'content-length',
  'transfer-encoding',
  'accept-encoding',
  'authorization',
  'x-api-key',
  'x-goog-api-key',
  'proxy-authorization',
]);
const droppedResponseHeaders = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length']);
const headersAloneAfterMs = 20;
const routePath = /^\/r\/([A-Za-z0-9_-]{32})(\/[^?]*)?(\?.*)?$/;

/**
 * The model gateway: an HTTP server on loopback through which every built-in agent CLI reaches its model
 * API. Each agent gets a route (`/r/<token>`, the token unguessable) whose calls are forwarded to the
 * upstream of the worker's environment with the worker's key — the agent never holds it — and whose answers
 * pass through untouched while their usage is read and reported as it streams. Once the Round's budget is
 * used up, the route refuses calls before anything leaves. One gateway serves every Round of a process.
 */
export class ModelGateway {
  private readonly routes = new Map<string, Route>();
  private readonly agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };
  private server: Promise<{ server: Server; port: number }> | undefined;
  private socket: Promise<string> | undefined;

  constructor(
    private readonly upstreams: Upstreams,
    private readonly prices: ModelPrices,
  ) {}

  /** Opens a route; the server starts with the first one. */
  async open(options: GatewayRouteOptions): Promise<ModelRoute> {
    const { port } = await (this.server ??= this.listen());
    const token = randomBytes(24).toString('base64url');
    const route: Route = { ...options, calls: new Set() };
    this.routes.set(token, route);
    return {
      baseUrl: `http://127.0.0.1:${port}/r/${token}`,
      apiKey: `sc-gateway-${options.provider}`,
      close: async () => {
        this.routes.delete(token);
        for (const call of route.calls) call.destroy();
      },
    };
  }

  /**
   * Where a sandbox without a network of its own reaches the gateway: a unix socket serving the same routes,
   * and the port its routes' base URLs name (see assets/model-bridge.js). The socket is made on first use.
   */
  async bridgeTarget(): Promise<{ socketPath: string; port: number }> {
    const { port } = await (this.server ??= this.listen());
    return { socketPath: await (this.socket ??= this.listenOnSocket()), port };
  }

  /** Stops the server and cuts every call in flight. */
  async close(): Promise<void> {
    const started = this.server;
    const socket = this.socket;
    this.server = undefined;
    this.socket = undefined;
    if (socket) await rm(dirname(await socket), { recursive: true, force: true });
    this.routes.clear();
    this.agents.http.destroy();
    this.agents.https.destroy();
    if (!started) return;
    const { server } = await started;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async listen(): Promise<{ server: Server; port: number }> {
    const server = createServer((request, response) => this.handle(request, response));
    // Streams may be quiet for minutes while a model thinks; the agent's own timeouts and ours decide.
    server.requestTimeout = 0;
    server.headersTimeout = 60_000;
    server.keepAliveTimeout = 30_000;
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    server.unref();
    return { server, port: (server.address() as AddressInfo).port };
  }

  private async listenOnSocket(): Promise<string> {
    const { server } = await this.server!;
    const socketServer = createServer((request, response) => this.handle(request, response));
    const socketPath = join(await mkdtemp(join(tmpdir(), 'sc-gateway-')), 'gateway.sock');
    socketServer.listen(socketPath);
    await once(socketServer, 'listening');
    socketServer.unref();
    // Closed with the TCP server: one lifetime for both.
    server.once('close', () => {
      socketServer.closeAllConnections();
      socketServer.close();
    });
    return socketPath;
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    const match = routePath.exec(request.url ?? '');
    const route = match ? this.routes.get(match[1]) : undefined;
    if (!match || !route)
      return sendError(
        response,
        'anthropic',
        404,
        'not_found',
        'no such model gateway route (the Round ended or the URL is wrong)',
      );
    const refusal = route.refusal();
    if (refusal) {
      route.onRefused?.(refusal);
      request.resume();
      return sendError(response, route.provider, 403, 'budget_exceeded', refusal);
    }
    route.onActivity?.();
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () =>
      this.forward(route, request, response, match[2] ?? '', match[3] ?? '', Buffer.concat(chunks)),
    );
    request.on('error', () => response.destroy());
  }

  private forward(
    route: Route,
    request: IncomingMessage,
    response: ServerResponse,
    path: string,
    search: string,
    body: Buffer,
  ): void {
    const upstream = this.upstreams[route.provider];
    const target = new URL(upstream.baseUrl.href.replace(/\/$/, '') + path + withoutKey(search));
    if (upstream.query)
      for (const [name, value] of Object.entries(upstream.query)) target.searchParams.set(name, value);
    const headers = forwardedHeaders(request.headers, upstream.headers, body.length);
    const https = target.protocol === 'https:';
    const outgoing = (https ? httpsRequest : httpRequest)(target, {
      method: request.method,
      headers,
      agent: https ? this.agents.https : this.agents.http,
    });
    route.calls.add(request);
    let call: MeteredCall | undefined;
    const finish = () => {
      route.calls.delete(request);
      call?.end();
    };
    outgoing.on('response', (answer) => {
      response.writeHead(answer.statusCode ?? 502, answerHeaders(answer.headers));
      // The headers leave with the first chunk (one write instead of two), or on their own if the body is slow.
      const flushHeaders = setTimeout(() => response.flushHeaders(), headersAloneAfterMs);
      answer.once('data', () => clearTimeout(flushHeaders));
      answer.once('end', () => clearTimeout(flushHeaders));
      if ((answer.statusCode ?? 500) < 300) {
        call = new MeteredCall(
          route.provider,
          route.agent,
          modelOf(route.provider, path, body),
          answer.headers['content-type'],
          this.prices,
          route.onUsage,
        );
      }
      // A rate-limit answer is read whole (it is short) for when the limit resets.
      const limited = rateLimitStatuses.has(answer.statusCode ?? 0) ? ([] as Buffer[]) : undefined;
      answer.on('data', (chunk: Buffer) => {
        response.write(chunk);
        route.onActivity?.();
        call?.write(chunk);
        limited?.push(chunk);
      });
      answer.on('end', () => {
        response.end();
        finish();
        if (limited)
          route.onRateLimited?.(
            rateLimitReset(route.provider, answer.headers, Buffer.concat(limited).toString('utf8')),
          );
      });
      // The upstream cut the answer off: the agent sees the same cut.
      answer.on('error', () => {
        response.destroy();
        finish();
      });
      answer.on('aborted', () => response.destroy());
    });
    outgoing.on('error', (error) => {
      finish();
      if (response.headersSent) return void response.destroy();
      route.onRefused?.(`upstream ${target.origin} failed: ${error.message}`);
      sendError(
        response,
        route.provider,
        502,
        'upstream_unreachable',
        `model gateway: upstream ${target.origin} failed: ${error.message}`,
      );
    });
    // The agent went away (killed, timed out): the upstream call stops too.
    response.on('close', () => {
      if (!response.writableFinished) outgoing.destroy();
      finish();
    });
    outgoing.end(body);
  }
}

function forwardedHeaders(
  incoming: IncomingHttpHeaders,
  credentials: Record<string, string>,
  length: number,
): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(incoming)) {
    if (value !== undefined && !droppedRequestHeaders.has(name)) headers[name] = value;
  }
  // Plain bodies, so that the usage can be read as they pass.
  headers['accept-encoding'] = 'identity';
  headers['content-length'] = String(length);
  return { ...headers, ...credentials };
}

function answerHeaders(incoming: IncomingHttpHeaders): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(incoming)) {
    if (value !== undefined && !droppedResponseHeaders.has(name)) headers[name] = value;
  }
  return headers;
}

/** The query without `key=` (Gemini's key in the URL): the upstream's key goes in a header. */
function withoutKey(search: string): string {
  if (!search.includes('key=')) return search;
  const params = new URLSearchParams(search);
  params.delete('key');
  const rest = params.toString();
  return rest ? `?${rest}` : '';
}

// The CLIs put `model` first in their bodies; a conversation can be megabytes, so it is looked for there first.
const leadingModel = /^\s*\{\s*"model"\s*:\s*"((?:[^"\\]|\\.){1,200})"/;

/** The model a call asks for: Gemini names it in the path (`/models/<model>:…`), the others in the body. */
function modelOf(provider: ModelProvider, path: string, body: Buffer): string {
  if (provider === 'gemini') return decodeURIComponent(/\/models\/([^/:]+)/.exec(path)?.[1] ?? 'unknown');
  const leading = leadingModel.exec(body.subarray(0, 512).toString('utf8'));
  if (leading) return JSON.parse(`"${leading[1]}"`) as string;
  try {
    const model: unknown = (JSON.parse(body.toString('utf8')) as { model?: unknown }).model;
    return typeof model === 'string' && model !== '' ? model : 'unknown';
  } catch {
    return 'unknown';
  }
}

/** An error answer in the provider's own format, so that the CLI shows its message. */
function sendError(
  response: ServerResponse,
  provider: ModelProvider,
  status: number,
  code: string,
  message: string,
): void {
  const bodies: Record<ModelProvider, unknown> = {
    anthropic: { type: 'error', error: { type: status === 403 ? 'permission_error' : 'api_error', message } },
    openai: { error: { message, type: code, code } },
    gemini: { error: { code: status, message, status: status === 403 ? 'PERMISSION_DENIED' : 'UNAVAILABLE' } },
  };
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(bodies[provider]));
}
