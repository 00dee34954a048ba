import type {
  CommitRef,
  ErrorBody,
  HealthUnavailableView,
  HealthView,
  ListRoundsQuery,
  PullRequestResult,
  Report,
  RoundEvent,
  RoundPage,
  RoundView,
  StoredWorkOrder,
  SubmitWorkOrderResponse,
  WorkOrder,
} from '@sc/schemas';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiError, ApiUnreachableError } from './errors';

/** Filters of `GET /rounds`, plus `branch`, which `sc commit` uses to find the Round of a work-order branch. */
export type RoundFilter = ListRoundsQuery & { branch?: string };

/** The body of `GET /health`: Terminus's report when every check is up (200), an error body naming each check otherwise (503). */
export type HealthReport = HealthView | HealthUnavailableView;

/** Where the orchestrator listens and how to authenticate. */
export interface ApiClientOptions {
  baseUrl: string;
  /** `SC_API_TOKEN`, sent as `Authorization: Bearer <token>`. */
  token?: string;
}

/** Typed calls to the orchestrator's REST API; every error becomes an {@link ApiError} or {@link ApiUnreachableError}. */
export class ApiClient {
  private readonly baseUrl: string;

  constructor(private readonly options: ApiClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
  }

  /** `POST /workorders`: validates, stores and queues; a repeated `id` or key returns the first answer. */
  submitWorkOrder(order: WorkOrder, idempotencyKey?: string): Promise<SubmitWorkOrderResponse> {
    const headers = idempotencyKey ? { 'idempotency-key': idempotencyKey } : undefined;
    return this.request('POST', '/workorders', { body: order, headers });
  }

  /** `GET /workorders/:id`: the work-order as stored, defaults filled in. */
  getWorkOrder(id: string): Promise<StoredWorkOrder> {
    return this.request('GET', `/workorders/${encodeURIComponent(id)}`);
  }

  /** `GET /rounds`: one page, newest first; pass `next_cursor` back as `cursor` for the next. */
  listRounds(filter: RoundFilter = {}): Promise<RoundPage> {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(filter)) if (value !== undefined) query.set(key, String(value));
    const suffix = query.size ? `?${query.toString()}` : '';
    return this.request('GET', `/rounds${suffix}`);
  }

  /** `GET /rounds/:id`: state, attempts, timestamps and every transition. */
  getRound(id: string): Promise<RoundView> {
    return this.request('GET', `/rounds/${encodeURIComponent(id)}`);
  }

  /** `POST /rounds/:id/cancel`: 409 when the Round has already finished. */
  cancelRound(id: string): Promise<RoundView> {
    return this.request('POST', `/rounds/${encodeURIComponent(id)}/cancel`);
  }

  /**
   * `POST /rounds/:id/retry`: a new attempt of a finished Round, its agents resuming their sessions unless
   * `fresh`; 409 while it is still going.
   */
  retryRound(id: string, fresh = false): Promise<RoundView> {
    return this.request('POST', `/rounds/${encodeURIComponent(id)}/retry`, fresh ? { body: { fresh: true } } : {});
  }

  /** `GET /rounds/:id/diff`: the unified diff of a Round's agent branches against their base (404 when it stored none). */
  async getRoundDiff(id: string): Promise<string> {
    const path = `/rounds/${encodeURIComponent(id)}/diff`;
    const response = await this.send('GET', path, { accept: 'text/x-diff' });
    if (!response.ok) throw await this.toApiError(response, `GET ${path}`);
    return response.text();
  }

  /** `POST /rounds/:id/approve`: an `awaiting_review` Round succeeds (and gets its pull request); 409 in any other state. */
  approveRound(id: string): Promise<RoundView> {
    return this.request('POST', `/rounds/${encodeURIComponent(id)}/approve`);
  }

  /** `POST /rounds/:id/reject`: an `awaiting_review` Round fails with `reason`, its branch kept; 409 in any other state. */
  rejectRound(id: string, reason: string): Promise<RoundView> {
    return this.request('POST', `/rounds/${encodeURIComponent(id)}/reject`, { body: { reason } });
  }

  /** `POST /rounds/:id/pull-request`: opens or updates the GitHub pull request of the Round's branch (409 without commits). */
  openPullRequest(id: string): Promise<PullRequestResult> {
    return this.request('POST', `/rounds/${encodeURIComponent(id)}/pull-request`);
  }

  /** `GET /reports/:id`: the Report of a Round's latest attempt (404 until it has one). */
  getReport(id: string): Promise<Report> {
    return this.request('GET', `/reports/${encodeURIComponent(id)}`);
  }

  /** `POST /rounds/:id/commits`: records a commit made for the Round; the Report's `commits[]` lists it. */
  addCommit(roundId: string, commit: CommitRef): Promise<unknown> {
    return this.request('POST', `/rounds/${encodeURIComponent(roundId)}/commits`, { body: commit });
  }

  /** `GET /health`: answers the report for 200 and for 503 (a failing check is data, not an error). */
  health(): Promise<HealthReport> {
    return this.request('GET', '/health', { acceptStatus: [503] });
  }

  /**
   * `GET /rounds/:id/events` (Server-Sent Events): yields the Round's stored history, then (unless not
   * `follow`) what comes, until the Round ends or `signal` aborts. Throws {@link ApiError} when the endpoint
   * answers with an error (e.g. 404). Following, a stream that breaks or closes before the Round's end (its
   * orchestrator replica stopped, a proxy timed it out) is picked up again after the last event it delivered
   * (`Last-Event-ID`), through whichever replica answers; it gives up after {@link streamReconnects} tries in a
   * row that bring nothing new, throwing {@link ApiUnreachableError} when the orchestrator could not be reached.
   */
  async *streamRoundEvents(id: string, signal?: AbortSignal, follow = true): AsyncGenerator<RoundEvent> {
    const { isTerminal } = await import('@sc/schemas');
    const path = `/rounds/${encodeURIComponent(id)}/events${follow ? '' : '?follow=false'}`;
    const cursor: StreamCursor = {};
    let hasEnded = false;
    for (let failures = 0; ;) {
      let response: Response;
      try {
        const headers: Record<string, string> = cursor.lastId ? { 'last-event-id': cursor.lastId } : {};
        response = await this.send('GET', path, { accept: 'text/event-stream', headers, signal });
      } catch (error) {
        if (!(error instanceof ApiUnreachableError) || cursor.lastId === undefined || ++failures > streamReconnects)
          throw error;
        await pause(failures, signal);
        continue;
      }
      if (!response.ok || !response.body) throw await this.toApiError(response, `GET ${path}`);
      const before = cursor.lastId;
      try {
        for await (const event of readEventStream(response.body, cursor)) {
          yield event;
          if (event.type === 'transition' && isTerminal(event.to)) hasEnded = true;
        }
      } catch (error) {
        // Following, a connection that broke mid-stream is tried again: that says whether the orchestrator is there.
        if (!follow && !signal?.aborted) throw error;
      }
      // Without an event id there is nowhere to resume from.
      if (!follow || hasEnded || signal?.aborted || cursor.lastId === undefined) return;
      failures = cursor.lastId !== before ? 1 : failures + 1;
      if (failures > streamReconnects) return;
      await pause(failures, signal);
    }
  }

  private async request<T>(
    method: string,
    path: string,
    options: { body?: unknown; headers?: Record<string, string>; acceptStatus?: number[] } = {},
  ): Promise<T> {
    const response = await this.send(method, path, { body: options.body, headers: options.headers });
    if (!response.ok && !options.acceptStatus?.includes(response.status))
      throw await this.toApiError(response, `${method} ${path}`);
    const text = await response.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }

  private async send(
    method: string,
    path: string,
    options: { body?: unknown; headers?: Record<string, string>; accept?: string; signal?: AbortSignal },
  ): Promise<Response> {
    const headers: Record<string, string> = { accept: options.accept ?? 'application/json', ...options.headers };
    if (this.options.token) headers.authorization = `Bearer ${this.options.token}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    try {
      return await fetch(`${this.baseUrl}${path}`, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: options.signal,
      });
    } catch (error) {
      if (options.signal?.aborted) throw error;
      throw new ApiUnreachableError(this.baseUrl, networkReason(error));
    }
  }

  private async toApiError(response: Response, request: string): Promise<ApiError> {
    const text = await response.text().catch(() => '');
    let body: Partial<ErrorBody> = {};
    try {
      body = JSON.parse(text) as Partial<ErrorBody>;
    } catch {
      // A proxy's HTML page or an empty body: the status line is all there is.
    }
    return new ApiError(
      {
        statusCode: response.status,
        error: body.error ?? response.statusText,
        message: typeof body.message === 'string' ? body.message : response.statusText || `HTTP ${response.status}`,
        ...(Array.isArray(body.details) ? { details: body.details } : {}),
      },
      request,
    );
  }
}

// Node's fetch throws `TypeError: fetch failed` and hides the reason in `cause` (ECONNREFUSED, ENOTFOUND…).
function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code === 'ECONNREFUSED') return 'connection refused';
  if (cause?.code === 'ENOTFOUND') return 'host not found';
  if (cause?.code) return cause.code;
  return cause?.message ?? (error instanceof Error ? error.message : String(error));
}

/** Tries in a row, each without a new event, before following a Round's event stream gives up. */
const streamReconnects = 5;

/** Where a followed event stream got to: the id of its last event, read as the events are parsed. */
interface StreamCursor {
  lastId?: string;
}

/** The Round events of one connection's body, as they arrive; notes each event's id in `cursor`. */
async function* readEventStream(body: AsyncIterable<Uint8Array>, cursor: StreamCursor): AsyncGenerator<RoundEvent> {
  const { createParser } = await import('eventsource-parser');
  const pending: RoundEvent[] = [];
  const parser = createParser({
    onEvent: (message) => {
      // Heartbeats and comments carry no data; anything that is not JSON is not ours to show.
      if (!message.data) return;
      try {
        pending.push(JSON.parse(message.data) as RoundEvent);
      } catch {
        return;
      }
      if (message.id) cursor.lastId = message.id;
    },
  });
  const decoder = new TextDecoder();
  for await (const chunk of body) {
    parser.feed(decoder.decode(chunk, { stream: true }));
    yield* pending.splice(0);
  }
}

/** Waits before the `tries`-th reconnect: 0.5 s, doubling, at most 4 s; an abort ends the wait. */
async function pause(tries: number, signal?: AbortSignal): Promise<void> {
  await sleep(Math.min(500 * 2 ** (tries - 1), 4_000), undefined, { signal }).catch(() => undefined);
}
