/* eslint-disable @typescript-eslint/no-explicit-any -- answers are checked by the assertions, not by types */
import * as fc from 'fast-check';
import { STATUS_CODES } from 'node:http';
import { DatabaseRows } from './support/database-rows';
import { echoOrder, startOrchestratorStack, type OrchestratorStack } from './support/orchestrator-stack';

// Enough runs per property to reach odd corners, few enough that the file stays well under a minute on two cores.
const numRuns = 200;

/** One raw HTTP exchange: what was answered, the body parsed when it was JSON. */
interface Exchange {
  status: number;
  text: string;
  body: any;
}

/**
 * Property-based fuzzing of the real orchestrator over HTTP: arbitrary bodies, queries, path ids and header
 * values. Whatever comes in, the answer is never a 5xx, every 4xx is `{ statusCode, error, message, details? }`,
 * and a refused request leaves the database as it was.
 */
describe('fuzzing the HTTP API', () => {
  let sc: OrchestratorStack;
  let rows: DatabaseRows;
  let roundId: string;

  beforeAll(async () => {
    sc = await startOrchestratorStack();
    rows = await DatabaseRows.open(sc.stack);
    // One real Round, so that commits and path ids also meet an existing row.
    roundId = (await sc.call('POST', '/workorders', { body: echoOrder() })).body.round_id;
  });
  afterAll(async () => {
    await rows?.close();
    await sc?.close();
  });

  async function send(
    method: string,
    path: string,
    options: { body?: string | Uint8Array; headers?: Record<string, string> } = {},
  ): Promise<Exchange> {
    const response = await fetch(`${sc.orchestrator.url}${path}`, {
      method,
      headers: options.headers,
      body: options.body,
    });
    const text = await response.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    return { status: response.status, text, body };
  }

  /** Never a 5xx; a 4xx carries the error shape with its own status. */
  function expectHonestAnswer(answer: Exchange, request: string): void {
    if (answer.status >= 500 || (answer.status >= 400 && !isErrorBody(answer))) {
      throw new Error(`${request} → ${answer.status} ${answer.text.slice(0, 500)}`);
    }
  }

  /**
   * Sends a request and checks the answer; when it was refused (4xx), checks that the database did not
   * change. Requests run one at a time, so nothing else writes in between.
   */
  async function expectRefusalChangesNothing(
    method: string,
    path: string,
    options: Parameters<typeof send>[2] = {},
  ): Promise<Exchange> {
    const before = await rows.snapshot();
    const answer = await send(method, path, options);
    const request = `${method} ${path.slice(0, 200)} ${JSON.stringify(options.headers ?? {}).slice(0, 300)} ${String(options.body ?? '').slice(0, 300)}`;
    expectHonestAnswer(answer, request);
    if (answer.status >= 400) expect({ request, after: await rows.snapshot() }).toEqual({ request, after: before });
    return answer;
  }

  const knownKeys = [
    'schema_version',
    'id',
    'title',
    'instructions',
    'plugin',
    'repo',
    'branch',
    'agents',
    'phases',
    'phase_timeout',
    'budget',
    'priority',
    'labels',
    'acceptance',
    'params',
    'continue_branch',
    'review',
    'notify',
    'select',
  ];

  /** Any JSON value, including strings with NUL, lone surrogates' escapes and huge numbers. */
  const anyJson = fc.jsonValue({ maxDepth: 4 });
  /** Strings over all of Unicode, control characters included. */
  const anyText = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 300 }),
    fc.constantFrom('\u0000', 'a\u0000b', '..', '../../etc/passwd', '%00', '', ' ', '\ud800'),
  );
  /** A work-order with some of its fields replaced by arbitrary values: reaches past the first schema check. */
  const mutatedOrder = fc
    .dictionary(fc.oneof(fc.constantFrom(...knownKeys), fc.string({ maxLength: 20 })), fc.oneof(anyJson, anyText), {
      maxKeys: 4,
    })
    .map((changes) => ({ ...echoOrder(), ...changes }));
  /** Header values fetch can send: tab, printable ASCII and Latin-1 bytes. */
  const headerValue = fc.string({
    unit: fc
      .oneof(fc.constant('\t'), fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0x80, max: 0xff }))
      .map((c) => (typeof c === 'string' ? c : String.fromCharCode(c))),
    maxLength: 400,
  });
  const contentType = fc.oneof(
    fc.constantFrom(
      'application/json',
      'application/json; charset=utf-8',
      'application/json; charset=latin1',
      'application/json; charset=utf-16',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/*',
    ),
    headerValue,
  );
  const rawBody = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 500 }),
    fc.uint8Array({ maxLength: 500 }),
    anyJson.map((value) => JSON.stringify(value)),
  );

  it('POST /workorders: arbitrary JSON values and mutated work-orders', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(anyJson, mutatedOrder), async (value) => {
        const answer = await expectRefusalChangesNothing('POST', '/workorders', {
          body: JSON.stringify(value),
          headers: { 'content-type': 'application/json' },
        });
        if (answer.status === 200)
          expect(answer.body).toEqual({
            workorder_id: expect.any(String),
            round_id: expect.any(String),
            status: 'queued',
          });
      }),
      { numRuns },
    );
  });

  it('POST /workorders, /rounds/:id/commits and /rounds/:id/reject: arbitrary bytes with arbitrary Content-Type and Content-Encoding', async () => {
    const encoding = fc.option(
      fc.oneof(fc.constantFrom('gzip', 'deflate', 'br', 'identity', 'GZIP', 'gzip, br'), headerValue),
      { nil: undefined },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('/workorders', '/rounds/ROUND/commits', '/rounds/ROUND/reject'),
        rawBody,
        contentType,
        encoding,
        async (path, body, type, coding) => {
          const headers: Record<string, string> = {
            'content-type': type,
            ...(coding === undefined ? {} : { 'content-encoding': coding }),
          };
          await expectRefusalChangesNothing('POST', path.replace('ROUND', roundId), { body, headers });
        },
      ),
      { numRuns },
    );
  });

  it('POST /rounds/:id/commits: arbitrary JSON values and mutated commits', async () => {
    const commit = fc
      .dictionary(fc.constantFrom('sha', 'branch', 'message', 'extra'), fc.oneof(anyJson, anyText), { maxKeys: 3 })
      .map((changes) => ({ sha: 'abc1234', ...changes }));
    await fc.assert(
      fc.asyncProperty(fc.oneof(anyJson, commit), async (value) => {
        await expectRefusalChangesNothing('POST', `/rounds/${roundId}/commits`, {
          body: JSON.stringify(value),
          headers: { 'content-type': 'application/json' },
        });
      }),
      { numRuns },
    );
  });

  it('GET /rounds: arbitrary query strings', async () => {
    const names = fc.oneof(
      fc.constantFrom(
        'status',
        'plugin',
        'label',
        'branch',
        'id_prefix',
        'limit',
        'cursor',
        'status[]',
        'limit[a]',
        '__proto__',
        'constructor',
      ),
      fc.string({ maxLength: 10 }),
    );
    const values = fc.oneof(
      anyText.filter(isEncodable),
      fc.constantFrom('queued', '50', '0', '-1', '1e3', '201', 'NaN', 'Infinity', '9007199254740993'),
    );
    const encoded = fc
      .array(fc.tuple(names, values), { maxLength: 5 })
      .map((pairs) =>
        pairs.map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`).join('&'),
      );
    const raw = fc.string({ unit: fc.constantFrom(...'abcs=&%[]._-+09AZ'.split('')), maxLength: 60 });
    await fc.assert(
      fc.asyncProperty(fc.oneof(encoded, raw), async (query) => {
        const answer = await expectRefusalChangesNothing('GET', `/rounds?${query}`);
        if (answer.status === 200) expect(Object.keys(answer.body).sort()).toEqual(['items', 'next_cursor']);
      }),
      { numRuns },
    );
  });

  it('every route with an id: arbitrary path ids (encoded, raw, "..", "%00", very long)', async () => {
    const routes = [
      'GET /rounds/ID',
      'GET /workorders/ID',
      'GET /reports/ID',
      'POST /rounds/ID/cancel',
      'POST /rounds/ID/retry',
      'POST /rounds/ID/commits',
      'GET /rounds/ID/events',
      'GET /rounds/ID/diff',
      'POST /rounds/ID/approve',
      'POST /rounds/ID/reject',
    ];
    const encoded = fc
      .string({ unit: 'binary', minLength: 1, maxLength: 200 })
      .filter(isEncodable)
      .map(encodeURIComponent);
    const raw = fc.string({
      unit: fc.constantFrom(...'a0.%/\\:@;-_~!$&+,='.split('').concat(['%00', '%2e', '%2F', '%ff', '%e0%80', '..'])),
      minLength: 1,
      maxLength: 40,
    });
    const special = fc.constantFrom(
      '..',
      '%2e%2e',
      '%00',
      'a%00b',
      '%',
      '%zz',
      '%c0%af',
      '..%2f..%2fetc%2fpasswd',
      'x'.repeat(5000),
      encodeURIComponent('\u0000'.repeat(100)),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...routes), fc.oneof(encoded, raw, special), async (route, id) => {
        const [method, pattern] = route.split(' ');
        const isCommit = pattern.endsWith('/commits');
        await expectRefusalChangesNothing(
          method,
          pattern.replace('ID', id),
          isCommit ? { body: JSON.stringify({ sha: 'abc1234' }), headers: { 'content-type': 'application/json' } } : {},
        );
      }),
      { numRuns },
    );
  });

  it('POST /workorders: arbitrary Idempotency-Key, Authorization and Content-Type header values', async () => {
    await fc.assert(
      fc.asyncProperty(
        headerValue,
        headerValue,
        contentType,
        fc.boolean(),
        async (key, authorization, type, isValidBody) => {
          const body = JSON.stringify(isValidBody ? echoOrder({ labels: ['fuzz-headers'] }) : { title: 1 });
          await expectRefusalChangesNothing('POST', '/workorders', {
            body,
            headers: { 'idempotency-key': key, authorization, 'content-type': type },
          });
        },
      ),
      { numRuns },
    );
  });

  it.each(['/workorders', '/rounds/ROUND/commits'])(
    'answers 400 for a body nested 200000 levels deep on %s',
    async (path) => {
      const body = `{"title":"T","instructions":"I","sha":"abc1234","params":${'['.repeat(200_000)}${']'.repeat(200_000)}}`;
      const answer = await expectRefusalChangesNothing('POST', path.replace('ROUND', roundId), {
        body,
        headers: { 'content-type': 'application/json' },
      });
      expect(answer.status).toBe(400);
      expect(answer.body.details).toEqual([
        { path: expect.stringMatching(/^\/params(\/0)+$/), message: 'must not be nested deeper than 64 levels' },
      ]);
    },
  );

  it.each(['/workorders', '/rounds/ROUND/commits'])(
    'answers 413 for a JSON body over 1 MiB on %s, and stores nothing',
    async (path) => {
      for (const type of ['application/json', 'application/json; charset=utf-8']) {
        const body = JSON.stringify(echoOrder({ instructions: 'x'.repeat(1024 * 1024) }));
        const answer = await expectRefusalChangesNothing('POST', path.replace('ROUND', roundId), {
          body,
          headers: { 'content-type': type },
        });
        expect({ type, status: answer.status, body: answer.body }).toEqual({
          type,
          status: 413,
          body: { statusCode: 413, error: 'Payload Too Large', message: 'request body is larger than 1 MiB' },
        });
      }
    },
  );
});

/** False for a string encodeURIComponent refuses (a lone surrogate): no URL can carry it. */
function isEncodable(text: string): boolean {
  try {
    encodeURIComponent(text);
    return true;
  } catch {
    return false;
  }
}

function isErrorBody(answer: Exchange): boolean {
  const body = answer.body as Record<string, unknown> | undefined;
  if (!body || typeof body !== 'object' || Array.isArray(body)) return false;
  const keys = Object.keys(body);
  const hasOnlyKnownKeys = keys.every((key) => ['statusCode', 'error', 'message', 'details'].includes(key));
  const hasDetails = body.details === undefined || Array.isArray(body.details);
  return (
    hasOnlyKnownKeys &&
    hasDetails &&
    body.statusCode === answer.status &&
    body.error === STATUS_CODES[answer.status] &&
    typeof body.message === 'string'
  );
}
