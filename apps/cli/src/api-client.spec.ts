import type { RoundEvent, RoundState, RoundView } from '@sc/schemas';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiClient } from './api-client';
import { ApiError, ApiUnreachableError } from './errors';
import { followRoundToReport } from './round-follower';

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

/** A real HTTP server on loopback whose routes each test sets: the orchestrator's side of the wire. */
async function listen(handler: Handler): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => handler(req, res, body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

async function close(server: Server | undefined): Promise<void> {
  if (!server) return;
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

const sendJson = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

const roundView = (state: RoundView['state'], transitions: RoundView['transitions']): RoundView =>
  ({ id: 'r1', workorder_id: 'wo1', state, attempt: 1, transitions }) as RoundView;

describe(ApiClient.name, () => {
  let server: Server | undefined;
  afterEach(async () => {
    await close(server);
    server = undefined;
  });

  it('sends the bearer token, the idempotency key and the JSON body', async () => {
    let seen: { headers: IncomingMessage['headers']; body: string } | undefined;
    const started = await listen((req, res, body) => {
      seen = { headers: req.headers, body };
      sendJson(res, 200, { workorder_id: 'wo1', round_id: 'r1', status: 'queued' });
    });
    server = started.server;
    const api = new ApiClient({ baseUrl: `${started.url}/`, token: 's3cret' });
    await expect(api.submitWorkOrder({ title: 't', instructions: 'i' }, 'key-1')).resolves.toEqual({
      workorder_id: 'wo1',
      round_id: 'r1',
      status: 'queued',
    });
    expect(seen?.headers.authorization).toBe('Bearer s3cret');
    expect(seen?.headers['idempotency-key']).toBe('key-1');
    expect(JSON.parse(seen?.body ?? '')).toEqual({ title: 't', instructions: 'i' });
  });

  it('turns an error body into an ApiError that keeps status and details', async () => {
    const started = await listen((_req, res) =>
      sendJson(res, 400, {
        statusCode: 400,
        error: 'Bad Request',
        message: 'invalid query',
        details: [{ path: '/status', message: 'must be one of queued' }],
      }),
    );
    server = started.server;
    const error = await new ApiClient({ baseUrl: started.url })
      .listRounds({ status: 'queued', limit: 5 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).request).toBe('GET /rounds?status=queued&limit=5');
    expect((error as ApiError).body.details).toEqual([{ path: '/status', message: 'must be one of queued' }]);
  });

  it('keeps the status line when the error body is not JSON', async () => {
    const started = await listen((_req, res) => {
      res.writeHead(502, 'Bad Gateway');
      res.end('<html>proxy</html>');
    });
    server = started.server;
    const error = (await new ApiClient({ baseUrl: started.url }).getRound('r1').catch((e: unknown) => e)) as ApiError;
    expect(error.body).toEqual({ statusCode: 502, error: 'Bad Gateway', message: 'Bad Gateway' });
  });

  it('answers /health with its checks on 503 too', async () => {
    const body = {
      statusCode: 503,
      error: 'Service Unavailable',
      message: 'Service Unavailable Exception',
      details: { database: { status: 'down', message: 'timeout' } },
    };
    const started = await listen((_req, res) => sendJson(res, 503, body));
    server = started.server;
    await expect(new ApiClient({ baseUrl: started.url }).health()).resolves.toEqual(body);
  });

  it('says the orchestrator cannot be reached when nothing listens', async () => {
    const started = await listen(() => undefined);
    await new Promise((resolve) => started.server.close(resolve));
    const error = await new ApiClient({ baseUrl: started.url }).getRound('r1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiUnreachableError);
    expect((error as Error).message).toBe(`cannot reach the orchestrator at ${started.url}: connection refused`);
  });

  it('parses the Server-Sent Events stream, split across chunks', async () => {
    const events: RoundEvent[] = [
      { type: 'phase', round_id: 'r1', attempt: 1, phase: 'coding', state: 'started', at: '2026-01-01T00:00:00.000Z' },
      {
        type: 'log',
        round_id: 'r1',
        attempt: 1,
        level: 'info',
        message: 'hello',
        phase: 'coding',
        at: '2026-01-01T00:00:01.000Z',
      },
    ];
    const started = await listen((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const text = `: heartbeat\n\n${events.map((event) => `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`).join('')}`;
      res.write(text.slice(0, 40));
      setImmediate(() => res.end(text.slice(40)));
    });
    server = started.server;
    const received: RoundEvent[] = [];
    for await (const event of new ApiClient({ baseUrl: started.url }).streamRoundEvents('r1')) received.push(event);
    expect(received).toEqual(events);
  });

  it('picks a followed stream up after its last event when it breaks or closes before the Round ends', async () => {
    const transition = (id: number, from: RoundState | null, to: RoundState): string =>
      `id: ${id}\nevent: transition\ndata: ${JSON.stringify({ type: 'transition', round_id: 'r1', attempt: 1, from, to, reason: 'r', at: '2026-01-01T00:00:00.000Z' })}\n\n`;
    const log = (id: number, message: string): string =>
      `id: ${id}\nevent: log\ndata: ${JSON.stringify({ type: 'log', round_id: 'r1', attempt: 1, level: 'info', message, at: '2026-01-01T00:00:00.000Z' })}\n\n`;
    const lastEventIds: (string | undefined)[] = [];
    const started = await listen((req, res) => {
      lastEventIds.push(req.headers['last-event-id'] as string | undefined);
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const connection = lastEventIds.length;
      // A replica that dies mid-stream, one that stops cleanly (its streams closed), then one the Round ends on.
      if (connection === 1) return res.write(transition(1, null, 'queued') + log(2, 'one'), () => res.destroy());
      if (connection === 2) return res.end(transition(3, 'queued', 'running') + log(4, 'two'));
      res.end(log(5, 'three') + transition(6, 'running', 'succeeded'));
    });
    server = started.server;
    const received: string[] = [];
    for await (const event of new ApiClient({ baseUrl: started.url }).streamRoundEvents('r1'))
      received.push(event.type === 'transition' ? event.to : event.type === 'log' ? event.message : event.type);
    expect(received).toEqual(['queued', 'one', 'running', 'two', 'three', 'succeeded']);
    expect(lastEventIds).toEqual([undefined, '2', '4']);
  });

  it('gives up following with a clear error once the orchestrator cannot be reached again', async () => {
    const started = await listen((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(
        `id: 1\nevent: log\ndata: ${JSON.stringify({ type: 'log', round_id: 'r1', attempt: 1, level: 'info', message: 'x', at: '2026-01-01T00:00:00.000Z' })}\n\n`,
        () => {
          res.destroy();
          started.server.close();
        },
      );
    });
    server = started.server;
    const stream = new ApiClient({ baseUrl: started.url }).streamRoundEvents('r1');
    await expect(
      (async () => {
        for await (const _ of stream);
      })(),
    ).rejects.toThrow(ApiUnreachableError);
  }, 30_000);
});

describe(followRoundToReport.name, () => {
  let server: Server | undefined;
  afterEach(async () => {
    await close(server);
    server = undefined;
  });

  it('falls back to polling when there is no event stream, and shows each transition once', async () => {
    let polls = 0;
    const queued = {
      from: null,
      to: 'queued' as const,
      reason: 'submitted',
      attempt: 1,
      at: '2026-01-01T00:00:00.000Z',
    };
    const running = {
      from: 'queued' as const,
      to: 'running' as const,
      reason: 'started',
      attempt: 1,
      at: '2026-01-01T00:00:01.000Z',
    };
    const done = {
      from: 'running' as const,
      to: 'succeeded' as const,
      reason: 'finished',
      attempt: 1,
      at: '2026-01-01T00:00:02.000Z',
    };
    const started = await listen((req, res) => {
      if (req.url === '/rounds/r1/events')
        return sendJson(res, 404, { statusCode: 404, error: 'Not Found', message: 'no events' });
      if (req.url === '/reports/r1') return sendJson(res, 200, { round_id: 'r1', status: 'success' });
      polls += 1;
      const view =
        polls < 2
          ? roundView('queued', [queued])
          : polls < 3
            ? roundView('running', [queued, running])
            : roundView('succeeded', [queued, running, done]);
      sendJson(res, 200, view);
    });
    server = started.server;
    const seen: string[] = [];
    const outcome = await followRoundToReport(new ApiClient({ baseUrl: started.url }), 'r1', {
      pollMs: 10,
      onEvent: (event) => seen.push(event.type === 'transition' ? event.to : event.type),
    });
    expect(seen).toEqual(['queued', 'running', 'succeeded']);
    expect(outcome.round.state).toBe('succeeded');
    expect(outcome.report).toMatchObject({ status: 'success' });
  });

  it('ends with no report when the Round was cancelled before it ran', async () => {
    const cancelled = {
      from: 'queued' as const,
      to: 'cancelled' as const,
      reason: 'cancel requested by API',
      attempt: 1,
      at: '2026-01-01T00:00:01.000Z',
    };
    const started = await listen((req, res) => {
      if (req.url === '/rounds/r1') return sendJson(res, 200, roundView('cancelled', [cancelled]));
      sendJson(res, 404, { statusCode: 404, error: 'Not Found', message: 'nothing here' });
    });
    server = started.server;
    const outcome = await followRoundToReport(new ApiClient({ baseUrl: started.url }), 'r1', {
      onEvent: () => undefined,
    });
    expect(outcome).toMatchObject({ round: { state: 'cancelled' }, report: null });
  });
});
