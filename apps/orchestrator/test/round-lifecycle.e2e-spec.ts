/* eslint-disable @typescript-eslint/no-explicit-any -- answers are checked by the assertions, not by types */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ProcessGroup } from '@sc/plugin-sdk';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { repoRoot, startWorker, type StackProcess } from '../../../test/support/local-stack';
import { until } from '../../../test/support/until';
import { echoOrder, startOrchestratorStack, type OrchestratorStack } from './support/orchestrator-stack';

// The whole spine with real processes: orchestrator + worker, real Redis, SQLite (Postgres with PG_TEST_URL).
const fixturePlugins = [
  join(repoRoot, 'apps', 'worker', 'test', 'fixtures', 'throwing.plugin.js'),
  join(repoRoot, 'apps', 'worker', 'test', 'fixtures', 'sleeping.plugin.js'),
  join(repoRoot, 'test', 'fixtures', 'plugins', 'rate-limited.plugin.js'),
];

describe('a Round through orchestrator and worker', () => {
  let sc: OrchestratorStack;
  let worker: StackProcess;

  beforeAll(async () => {
    sc = await startOrchestratorStack({ SC_PLUGINS: fixturePlugins.join(',') });
    worker = await startWorker(sc.stack, { SC_PLUGINS: fixturePlugins.join(',') });
  });
  afterAll(async () => {
    await worker?.stop();
    await sc?.close();
  });

  async function submit(overrides: Record<string, unknown> = {}): Promise<string> {
    const answer = await sc.call('POST', '/workorders', { body: echoOrder(overrides) });
    expect(answer).toEqual({
      status: 200,
      body: { workorder_id: expect.any(String), round_id: expect.any(String), status: 'queued' },
    });
    return answer.body.round_id;
  }

  async function finalReport(roundId: string): Promise<any> {
    return until(
      async () => {
        const round = await sc.call('GET', `/rounds/${roundId}`);
        if (!['succeeded', 'failed', 'timed_out', 'cancelled', 'error'].includes(round.body.state)) return undefined;
        const report = await sc.call('GET', `/reports/${roundId}`);
        return report.status === 200 ? report.body : undefined;
      },
      { timeoutMs: 30_000, what: `the report of ${roundId}` },
    );
  }

  it('runs examples/echo.json to a success Report with its params kept as an artifact', async () => {
    const roundId = await submit();
    const report = await finalReport(roundId);
    expect(report).toMatchObject({
      round_id: roundId,
      status: 'success',
      attempt: 1,
      summary: echoOrder().instructions,
    });
    const artifact = report.artifacts.find((a: { name: string }) => a.name === 'params.json');
    const bytes = readFileSync(fileURLToPath(artifact.uri));
    expect(artifact.uri.startsWith(`file://${sc.stack.dataDir}/artifacts/`)).toBe(true);
    expect(JSON.parse(bytes.toString())).toEqual(echoOrder().params);
    expect(artifact.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));

    const round = await sc.call('GET', `/rounds/${roundId}`);
    expect(round.body.transitions.map((t: any) => [t.from, t.to])).toEqual([
      [null, 'queued'],
      ['queued', 'running'],
      ['running', 'succeeded'],
    ]);
  });

  it('writes JSON lines with workorder_id and round_id to $SC_LOG_DIR/<yyyy-mm-dd>.jsonl from orchestrator and worker', async () => {
    const answer = await sc.call('POST', '/workorders', { body: echoOrder() });
    const { workorder_id, round_id } = answer.body;
    await finalReport(round_id);
    const services = await until(
      () => {
        const lines = readdirSync(sc.stack.logDir)
          .filter((file) => /^\d{4}-\d{2}-\d{2}\.jsonl$/.test(file))
          .flatMap((file) => readFileSync(join(sc.stack.logDir, file), 'utf8').split('\n'))
          .filter((line) => line.includes(workorder_id))
          .map((line) => JSON.parse(line) as { service: string; workorder_id: string; round_id: string });
        const found = new Set(
          lines
            .filter((line) => line.workorder_id === workorder_id && line.round_id === round_id)
            .map((line) => line.service),
        );
        return found.has('orchestrator') && found.has('worker') ? [...found].sort() : undefined;
      },
      { what: `log lines of work-order ${workorder_id} from both processes` },
    );
    expect(services).toEqual(['orchestrator', 'worker']);
  });

  it('ends a Round whose plugin throws in error with the message, and the worker goes on', async () => {
    const failing = await submit({ plugin: 'throwing' });
    expect(await finalReport(failing)).toMatchObject({
      status: 'error',
      error: expect.stringContaining('fixture plugin failed on purpose'),
    });
    expect((await sc.call('GET', `/rounds/${failing}`)).body.state).toBe('error');
    expect((await finalReport(await submit())).status).toBe('success');
  });

  it('retries a finished Round as attempt 2 and keeps attempt 1', async () => {
    const roundId = await submit({ plugin: 'throwing' });
    await finalReport(roundId);
    const retried = await sc.call('POST', `/rounds/${roundId}/retry`);
    expect(retried.body).toMatchObject({ state: 'queued', attempt: 2 });
    const report = await until(
      async () => {
        const answer = await sc.call('GET', `/reports/${roundId}`);
        return answer.body?.attempt === 2 ? answer.body : undefined;
      },
      { timeoutMs: 30_000, what: 'the report of attempt 2' },
    );
    expect(report.status).toBe('error');
    const round = await sc.call('GET', `/rounds/${roundId}`);
    expect(round.body.transitions.map((t: any) => `${t.attempt}:${t.to}`)).toEqual([
      '1:queued',
      '1:running',
      '1:error',
      '2:queued',
      '2:running',
      '2:error',
    ]);
  });

  it('cancels a running Round: the worker kills its process group and the Round ends cancelled', async () => {
    const pidFile = join(sc.stack.dataDir, 'cancel.pid');
    const roundId = await submit({ plugin: 'sleeping', params: { pid_file: pidFile } });
    const pgid = await until(
      () => {
        try {
          return Number(readFileSync(pidFile, 'utf8'));
        } catch {
          return undefined;
        }
      },
      { what: 'the sleeping plugin to start' },
    );
    const cancel = await sc.call('POST', `/rounds/${roundId}/cancel`);
    expect(cancel.status).toBe(200);
    expect(await finalReport(roundId)).toMatchObject({ status: 'cancelled' });
    expect((await sc.call('GET', `/rounds/${roundId}`)).body.state).toBe('cancelled');
    await until(() => !new ProcessGroup(pgid).isAlive(), { what: `process group ${pgid} to be gone` });
  });

  it('delays a rate-limited Round through the queue: waiting, then running again, then succeeded', async () => {
    const roundId = await submit({ plugin: 'rate-limited', params: { marker_dir: join(sc.stack.dataDir, 'markers') } });
    const report = await finalReport(roundId);
    expect(report).toMatchObject({ status: 'success', summary: 'ran after the rate limit' });
    const round = await sc.call('GET', `/rounds/${roundId}`);
    expect(round.body.transitions.map((t: any) => t.to)).toEqual([
      'queued',
      'running',
      'waiting',
      'running',
      'succeeded',
    ]);
    // The resume time went with the wait.
    expect(round.body.resumes_at).toBeNull();
  });

  it('streams transitions, phase progress and log lines as Server-Sent Events until the Round ends', async () => {
    // The shell command waits so the stream is open before the phase ends; events are live, transitions replayed.
    const roundId = await submit({
      plugin: 'shell',
      phases: ['coding'],
      params: { commands: ['sleep 1', 'echo streamed-line'] },
    });
    const events = await readEventStream(`${sc.orchestrator.url}/rounds/${roundId}/events`);
    const transitions = events.filter((e) => e.event === 'transition').map((e) => JSON.parse(e.data).to);
    expect(transitions).toEqual(['queued', 'running', 'succeeded']);
    const phases = events.filter((e) => e.event === 'phase').map((e) => JSON.parse(e.data));
    expect(phases).toContainEqual(expect.objectContaining({ phase: 'coding', state: 'finished' }));
    const logs = events.filter((e) => e.event === 'log').map((e) => JSON.parse(e.data).message);
    expect(logs.some((message: string) => message.includes('streamed-line'))).toBe(true);
    expect((await finalReport(roundId)).status).toBe('success');
  });
});

/** Reads a whole SSE stream (the orchestrator ends it when the Round is terminal). */
async function readEventStream(url: string): Promise<EventSourceMessage[]> {
  const response = await fetch(url, { headers: { accept: 'text/event-stream' }, signal: AbortSignal.timeout(30_000) });
  expect(response.headers.get('content-type')).toContain('text/event-stream');
  const events: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => events.push(event) });
  const decoder = new TextDecoder();
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>)
    parser.feed(decoder.decode(chunk, { stream: true }));
  return events;
}
