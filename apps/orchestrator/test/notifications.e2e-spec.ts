import { NotificationSignatureHeader, type Notification } from '@sc/schemas';
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startWorker, type StackProcess } from '../../../test/support/local-stack';
import { until } from '../../../test/support/until';
import { echoOrder, startOrchestratorStack, type OrchestratorStack } from './support/orchestrator-stack';

/** A local webhook receiver: records every POST, and answers with the next of `statuses` (then 200). */
class Receiver {
  readonly requests: { path: string; headers: IncomingMessage['headers']; body: string; status: number }[] = [];
  private server!: Server;

  constructor(private readonly statuses: number[] = []) {}

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** The bodies it answered 2xx, parsed. */
  accepted(path: string): Notification[] {
    return this.requests
      .filter((request) => request.path === path && request.status === 200)
      .map((request) => JSON.parse(request.body) as Notification);
  }

  async start(): Promise<this> {
    this.server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      request.on('end', () => {
        const status = this.statuses.shift() ?? 200;
        this.requests.push({ path: request.url ?? '', headers: request.headers, body, status });
        response.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return this;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

const secret = 'notify-test-secret';

describe('notifications', () => {
  let flaky: Receiver;
  let other: Receiver;
  let sc: OrchestratorStack;
  let worker: StackProcess;

  beforeAll(async () => {
    // The SC_NOTIFY_URLS receiver fails twice first: the first event is delivered on the third try.
    flaky = await new Receiver([500, 500]).start();
    other = await new Receiver().start();
    sc = await startOrchestratorStack({ SC_NOTIFY_URLS: `${flaky.url}/all`, SC_NOTIFY_SECRET: secret });
    worker = await startWorker(sc.stack);
  });

  afterAll(async () => {
    await worker?.stop();
    await sc?.close();
    await flaky?.close();
    await other?.close();
  });

  it('POSTs round.finished, signed, to SC_NOTIFY_URLS and the work-order notify URLs; a receiver answering 500 twice accepts it once', async () => {
    const submitted = await sc.call('POST', '/workorders', {
      body: echoOrder({ phases: ['coding'], notify: [`${other.url}/mine`] }),
    });
    expect(submitted.status).toBe(200);
    const roundId: string = submitted.body.round_id;
    await until(() => flaky.accepted('/all').length === 1 && other.accepted('/mine').length === 1, {
      timeoutMs: 30_000,
      what: 'both receivers accepted',
    });

    const [notification] = flaky.accepted('/all');
    expect(notification).toMatchObject({
      event: 'round.finished',
      round: { id: roundId, state: 'succeeded' },
      report: { round_id: roundId, status: 'success' },
    });
    expect(notification.text).toBe(
      `Round ${roundId} "Say hello" succeeded (attempt 1): ${notification.report!.summary.split('\n')[0]}`,
    );
    expect(flaky.requests.map((request) => request.status)).toEqual([500, 500, 200]);
    // Every try carries the same body and a valid signature of it.
    for (const request of [...flaky.requests, ...other.requests]) {
      expect(request.headers[NotificationSignatureHeader]).toBe(
        `sha256=${createHmac('sha256', secret).update(request.body).digest('hex')}`,
      );
      expect(request.headers['content-type']).toBe('application/json');
    }
    expect(new Set(flaky.requests.map((request) => request.body)).size).toBe(1);
    expect(other.accepted('/mine')[0]).toEqual(notification);
    // The Round was never held up by its notifications.
    expect((await sc.call('GET', `/rounds/${roundId}`)).body.state).toBe('succeeded');
  });

  it('tells when a Round awaits review, with the commands to decide', async () => {
    const submitted = await sc.call('POST', '/workorders', {
      body: echoOrder({ title: 'Check me', phases: ['coding'], review: { required: true } }),
    });
    const roundId: string = submitted.body.round_id;
    const [notification] = await until(
      () => {
        const found = flaky.accepted('/all').filter((n) => n.round.id === roundId);
        return found.length > 0 && found;
      },
      { timeoutMs: 30_000, what: 'round.awaiting_review' },
    );
    expect(notification).toMatchObject({ event: 'round.awaiting_review', round: { state: 'awaiting_review' } });
    expect(notification.text).toContain(
      `Round ${roundId} "Check me" awaits review (sc rounds diff ${roundId}; sc rounds approve|reject ${roundId})`,
    );
    // Delivered after it: the first Round's end, accepted once, was not sent again.
    expect(flaky.accepted('/all').filter((n) => n.event === 'round.finished')).toHaveLength(1);
  });

  it('refuses a notify URL that is not http(s) at submit (400), and stores nothing', async () => {
    const before = (await sc.call('GET', '/rounds')).body.items.length;
    for (const url of [
      'file:///etc/passwd',
      'ftp://example.com/x',
      'javascript:alert(1)',
      'http://user:pw@example.com/x',
      'not a url',
    ]) {
      const answer = await sc.call('POST', '/workorders', { body: echoOrder({ notify: [url] }) });
      expect(answer).toMatchObject({ status: 400, body: { details: [{ path: '/notify/0' }] } });
    }
    expect((await sc.call('GET', '/rounds')).body.items.length).toBe(before);
  });
});
