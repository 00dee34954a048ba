import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type StackEnv, type StackProcess } from '../../../test/support/local-stack';
import { until } from '../../../test/support/until';
import { startWorkerStack, stopWorkerStack, type QueueDriver } from './worker-stack';

const fixture = (name: string) => join(__dirname, 'fixtures', name);

describe('worker: work-order jobs to reports', () => {
  let stack: StackEnv;
  let worker: StackProcess;
  let queues: QueueDriver;

  beforeAll(async () => {
    ({ stack, worker, queues } = await startWorkerStack({
      SC_PLUGINS: [fixture('throwing.plugin.js'), fixture('old-api.plugin.js')].join(','),
    }));
  });

  afterAll(async () => {
    await stopWorkerStack({ stack, worker, queues });
  });

  it('runs an echo Round: started, then finished with success, the instructions and the params artifact', async () => {
    const job = await queues.submit({ instructions: 'Say hello to the e2e test.', params: { greeting: 'hello' } });
    const { report } = await queues.finished(job.round_id);
    expect(queues.messagesOf(job.round_id).map((message) => message.type)).toEqual(['started', 'finished']);
    expect(report).toMatchObject({
      status: 'success',
      summary: 'Say hello to the e2e test.',
      round_id: job.round_id,
      attempt: 1,
    });
    expect(report.phases.map((phase) => phase.status)).toEqual(['success', 'success']);
    const [artifact] = report.artifacts;
    const path = fileURLToPath(artifact.uri);
    expect(path).toBe(join(stack.dataDir, 'artifacts', job.round_id, '1', 'params.json'));
    const content = readFileSync(path);
    expect(artifact.sha256).toBe(createHash('sha256').update(content).digest('hex'));
    expect(JSON.parse(content.toString())).toEqual({ greeting: 'hello' });
  });

  it('logs a refused plugin at start and keeps the others', () => {
    expect(worker.output()).toMatch(/"source":"[^"]*old-api\.plugin\.js".*"msg":"plugin refused"/);
    expect(worker.output()).toMatch(/"plugins":\["agent-cli","echo","shell","throwing"\]/);
  });

  it('reports a throwing plugin as error with its message, and runs the next job', async () => {
    const failing = await queues.submit({ plugin: 'throwing' });
    const { report } = await queues.finished(failing.round_id);
    expect(report).toMatchObject({ status: 'error', error: 'fixture plugin failed on purpose' });
    const next = await queues.submit();
    expect((await queues.finished(next.round_id)).report.status).toBe('success');
  });

  it('fails a job whose payload breaks the schema, and stays up', async () => {
    const bad = await queues.workorders.add('run-round', { round_id: 'x', attempt: 0 }, { jobId: 'bad-payload' });
    await until(async () => (await bad.getState()) === 'failed', { what: 'invalid job failed' });
    const reloaded = await queues.workorders.getJob('bad-payload');
    expect(reloaded?.failedReason).toContain('invalid work-order job');
    expect(reloaded?.attemptsMade).toBe(1);
    const next = await queues.submit();
    expect((await queues.finished(next.round_id)).report.status).toBe('success');
  });

  it('writes its log lines with workorder_id and round_id to $SC_LOG_DIR', async () => {
    const job = await queues.submit();
    await queues.finished(job.round_id);
    const file = join(stack.logDir, `${new Date().toISOString().slice(0, 10)}.jsonl`);
    await until(() => existsSync(file) && readFileSync(file, 'utf8').includes(`"round_id":"${job.round_id}"`), {
      what: 'log file line',
    });
    const lines = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line.round_id === job.round_id);
    expect(lines.map((line) => line.msg)).toEqual(
      expect.arrayContaining(['round started', 'phase started', 'phase finished', 'round finished']),
    );
    expect(lines.every((line) => line.workorder_id === job.workorder_id)).toBe(true);
  });
});
