import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the orchestrator made to the GitHub API. */
export interface RecordedCall {
  method: string;
  path: string;
  body: unknown;
  authorization?: string;
}

/** A pull request the fake serves at `GET /repos/:owner/:repo/pulls/:number`. */
export interface FakePullRequest {
  number: number;
  title: string;
  head: { ref: string; repo: { clone_url: string } | null };
  base: { ref: string; repo: { clone_url: string } };
}

/**
 * A local stand-in for api.github.com: serves the endpoints the bot uses and records every call, so tests
 * run with no network and can assert what was sent. Anything else answers 404 and is recorded too.
 */
export class FakeGitHub {
  readonly calls: RecordedCall[] = [];
  readonly pulls = new Map<string, FakePullRequest>();
  private nextCommentId = 9_000_000_001;

  private constructor(private readonly server: Server) {}

  static async start(): Promise<FakeGitHub> {
    const server = createServer();
    const fake = new FakeGitHub(server);
    server.on('request', (request: IncomingMessage, response: ServerResponse) => {
      void readJson(request).then((body) => {
        const answer = fake.answer(request.method ?? 'GET', request.url ?? '/', body, request.headers.authorization);
        response.writeHead(answer.status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(answer.body));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Calls whose method and path match. */
  callsTo(method: string, path: RegExp): RecordedCall[] {
    return this.calls.filter((call) => call.method === method && path.test(call.path));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private answer(method: string, path: string, body: unknown, authorization?: string): { status: number; body: unknown } {
    this.calls.push({ method, path, body, ...(authorization === undefined ? {} : { authorization }) });
    let match = /^\/repos\/([^/]+)\/([^/]+)\/pulls\/(\d+)$/.exec(path);
    if (method === 'GET' && match) {
      const pull = this.pulls.get(`${match[1]}/${match[2]}#${match[3]}`);
      return pull ? { status: 200, body: pull } : { status: 404, body: { message: 'Not Found' } };
    }
    match = /^\/repos\/[^/]+\/[^/]+\/issues\/(\d+)\/comments$/.exec(path);
    if (method === 'POST' && match) return { status: 201, body: { id: this.nextCommentId++, body: (body as { body?: string }).body } };
    match = /^\/repos\/[^/]+\/[^/]+\/issues\/comments\/(\d+)$/.exec(path);
    if (method === 'PATCH' && match) return { status: 200, body: { id: Number(match[1]), body: (body as { body?: string }).body } };
    return { status: 404, body: { message: 'Not Found' } };
  }
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? (JSON.parse(text) as unknown) : undefined;
}
