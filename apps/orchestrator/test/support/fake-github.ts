import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the orchestrator made to the GitHub API. */
export interface RecordedCall {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  authorization?: string;
}

/** A pull request the fake serves at `/repos/:owner/:repo/pulls/:number` (set by a test, or opened through the API). */
export interface FakePullRequest {
  number: number;
  title: string;
  html_url?: string;
  state?: 'open' | 'closed';
  draft?: boolean;
  body?: string;
  head: { ref: string; sha?: string; repo: { clone_url: string; full_name?: string } | null };
  base: { ref: string; repo: { clone_url: string; full_name?: string } };
}

/** A job of a GitHub Actions workflow run, with its log. */
export interface FakeJob {
  id: number;
  name: string;
  conclusion: string;
  log: string;
}

/**
 * A local stand-in for api.github.com: serves the endpoints the bot uses and records every call, so tests
 * run with no network and can assert what was sent. Anything else answers 404 and is recorded too.
 */
export class FakeGitHub {
  readonly calls: RecordedCall[] = [];
  readonly pulls = new Map<string, FakePullRequest>();
  /** The jobs of each workflow run id, at `/actions/runs/:id/jobs`; each job's log at `/actions/jobs/:id/logs`. */
  readonly workflowJobs = new Map<number, FakeJob[]>();
  /** The head commit of each branch (`owner/name:branch`) at `/branches/:branch`; others answer 404. */
  readonly branches = new Map<string, string>();
  /** The line comments of each review id, at `/pulls/:number/reviews/:id/comments`. */
  readonly reviewComments = new Map<number, { path: string; line?: number; body: string }[]>();
  private nextCheckRunId = 7_000_001;
  private nextCommentId = 9_000_000_001;
  private nextPullNumber = 101;
  private readonly failures: { method: string; path: RegExp; status: number }[] = [];

  private constructor(private readonly server: Server) {}

  static async start(): Promise<FakeGitHub> {
    const server = createServer();
    const fake = new FakeGitHub(server);
    server.on('request', (request: IncomingMessage, response: ServerResponse) => {
      void readJson(request).then((body) => {
        const answer = fake.answer(request.method ?? 'GET', request.url ?? '/', body, request.headers.authorization);
        const isText = typeof answer.body === 'string';
        response.writeHead(answer.status, { 'content-type': isText ? 'text/plain' : 'application/json' });
        response.end(isText ? answer.body : JSON.stringify(answer.body));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** The next call matching `method` and `path` fails with `status` (a GitHub outage), once. */
  failNext(method: string, path: RegExp, status: number): void {
    this.failures.push({ method, path, status });
  }

  /** Calls whose method and path match. */
  callsTo(method: string, path: RegExp): RecordedCall[] {
    return this.calls.filter((call) => call.method === method && path.test(call.path));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private answer(
    method: string,
    url: string,
    body: unknown,
    authorization?: string,
  ): { status: number; body: unknown } {
    const { pathname: path, searchParams } = new URL(url, 'http://fake-github');
    this.calls.push({
      method,
      path,
      query: Object.fromEntries(searchParams),
      body,
      ...(authorization === undefined ? {} : { authorization }),
    });
    const failure = this.failures.findIndex((candidate) => candidate.method === method && candidate.path.test(path));
    if (failure >= 0) return { status: this.failures.splice(failure, 1)[0].status, body: { message: 'Server Error' } };
    const fields = (body ?? {}) as Record<string, unknown>;
    let match = /^\/app\/installations\/(\d+)\/access_tokens$/.exec(path);
    if (method === 'POST' && match) {
      const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
      return {
        status: 201,
        body: {
          token: `ghs_installation_${match[1]}`,
          expires_at: expiresAt,
          permissions: { issues: 'write' },
          repository_selection: 'all',
        },
      };
    }
    match = /^\/repos\/([^/]+)\/([^/]+)$/.exec(path);
    if (method === 'GET' && match)
      return { status: 200, body: { full_name: `${match[1]}/${match[2]}`, default_branch: 'main' } };
    match = /^\/repos\/([^/]+)\/([^/]+)\/pulls$/.exec(path);
    if (method === 'GET' && match) {
      const repository = `${match[1]}/${match[2]}`;
      const head = searchParams.get('head') ?? '';
      const open = [...this.pulls.entries()].filter(
        ([key, pull]) =>
          key.startsWith(`${repository}#`) && pull.state !== 'closed' && `${match![1]}:${pull.head.ref}` === head,
      );
      return { status: 200, body: open.map(([, pull]) => pull) };
    }
    if (method === 'POST' && match) {
      const repository = `${match[1]}/${match[2]}`;
      const number = this.nextPullNumber++;
      const cloneUrl = `https://github.example/${repository}.git`;
      const pull: FakePullRequest = {
        number,
        title: String(fields.title),
        html_url: `https://github.example/${repository}/pull/${number}`,
        state: 'open',
        draft: Boolean(fields.draft),
        body: typeof fields.body === 'string' ? fields.body : '',
        head: { ref: String(fields.head), sha: '0'.repeat(40), repo: { clone_url: cloneUrl, full_name: repository } },
        base: { ref: String(fields.base), repo: { clone_url: cloneUrl, full_name: repository } },
      };
      this.pulls.set(`${repository}#${number}`, pull);
      return { status: 201, body: pull };
    }
    match = /^\/repos\/([^/]+)\/([^/]+)\/pulls\/(\d+)$/.exec(path);
    if (match) {
      const pull = this.pulls.get(`${match[1]}/${match[2]}#${match[3]}`);
      if (!pull) return { status: 404, body: { message: 'Not Found' } };
      if (method === 'PATCH' && typeof fields.body === 'string') pull.body = fields.body;
      return { status: 200, body: pull };
    }
    match = /^\/repos\/[^/]+\/[^/]+\/pulls\/\d+\/reviews\/(\d+)\/comments$/.exec(path);
    if (method === 'GET' && match) return { status: 200, body: this.reviewComments.get(Number(match[1])) ?? [] };
    match = /^\/repos\/([^/]+)\/([^/]+)\/branches\/(.+)$/.exec(path);
    if (method === 'GET' && match) {
      const sha = this.branches.get(`${match[1]}/${match[2]}:${decodeURIComponent(match[3])}`);
      return sha
        ? { status: 200, body: { name: decodeURIComponent(match[3]), commit: { sha } } }
        : { status: 404, body: { message: 'Branch not found' } };
    }
    if (method === 'POST' && /^\/repos\/[^/]+\/[^/]+\/check-runs$/.test(path))
      return { status: 201, body: { id: this.nextCheckRunId++, ...fields } };
    match = /^\/repos\/[^/]+\/[^/]+\/check-runs\/(\d+)$/.exec(path);
    if (method === 'PATCH' && match) return { status: 200, body: { id: Number(match[1]), ...fields } };
    match = /^\/repos\/[^/]+\/[^/]+\/actions\/runs\/(\d+)\/jobs$/.exec(path);
    if (method === 'GET' && match) {
      const jobs = (this.workflowJobs.get(Number(match[1])) ?? []).map(({ log: _log, ...job }) => ({
        ...job,
        status: 'completed',
      }));
      return { status: 200, body: { total_count: jobs.length, jobs } };
    }
    match = /^\/repos\/[^/]+\/[^/]+\/actions\/jobs\/(\d+)\/logs$/.exec(path);
    if (method === 'GET' && match) {
      // GitHub answers 302 to a download URL, which Octokit follows; the fake answers the text itself.
      const job = [...this.workflowJobs.values()].flat().find((candidate) => candidate.id === Number(match![1]));
      return job ? { status: 200, body: job.log } : { status: 404, body: { message: 'Not Found' } };
    }
    if (method === 'POST' && /^\/repos\/[^/]+\/[^/]+\/pulls\/\d+\/requested_reviewers$/.test(path))
      return { status: 201, body: {} };
    if (method === 'POST' && /^\/repos\/[^/]+\/[^/]+\/issues\/\d+\/labels$/.test(path))
      return { status: 200, body: [] };
    if (method === 'POST' && /^\/repos\/[^/]+\/[^/]+\/issues\/\d+\/comments$/.test(path))
      return { status: 201, body: { id: this.nextCommentId++, body: fields.body } };
    match = /^\/repos\/[^/]+\/[^/]+\/issues\/comments\/(\d+)$/.exec(path);
    if (method === 'PATCH' && match) return { status: 200, body: { id: Number(match[1]), body: fields.body } };
    return { status: 404, body: { message: 'Not Found' } };
  }
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? (JSON.parse(text) as unknown) : undefined;
}
