import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type StackEnv, type StackProcess } from '../../../test/support/local-stack';
import { until } from '../../../test/support/until';
import { ProcessGroup } from '@sc/plugin-sdk';
import { startWorkerStack, stopWorkerStack, type QueueDriver } from './worker-stack';

describe('worker: stopping a running Round', () => {
  let stack: StackEnv;
  let worker: StackProcess;
  let queues: QueueDriver;

  beforeAll(async () => {
    // Two Rounds at once: the cancel test must stop the right one and leave the other running.
    ({ stack, worker, queues } = await startWorkerStack({
      SC_PLUGINS: join(__dirname, 'fixtures', 'sleeping.plugin.js'),
      SC_WORKER_CONCURRENCY: '2',
    }));
  });

  afterAll(async () => {
    await stopWorkerStack({ stack, worker, queues });
  });

  async function startSleeping(name: string, order: Parameters<QueueDriver['submit']>[0] = {}) {
    const pidFile = join(stack.dataDir, `${name}.pid`);
    const job = await queues.submit({
      plugin: 'sleeping',
      phases: ['coding'],
      params: { pid_file: pidFile },
      ...order,
    });
    const pgid = await until(() => existsSync(pidFile) && Number(readFileSync(pidFile, 'utf8').trim()), {
      what: `${name} pid file`,
    });
    return { job, pgid };
  }

  it('cancels on a cancel request: Report cancelled, no process of the group left', async () => {
    const { job, pgid } = await startSleeping('cancelled');
    expect(new ProcessGroup(pgid).isAlive()).toBe(true);
    await queues.cancel(job, 'cancel requested by API');
    const { report } = await queues.finished(job.round_id);
    expect(report).toMatchObject({ status: 'cancelled', error: 'cancelled: cancel requested by API' });
    expect(report.phases).toEqual([expect.objectContaining({ name: 'coding', status: 'cancelled' })]);
    expect(new ProcessGroup(pgid).isAlive()).toBe(false);
  });

  it('ignores a cancel request for a Round it does not run', async () => {
    const other = await startSleeping('other', { phase_timeout: { coding: 2 } });
    await queues.cancel({ ...other.job, round_id: 'not-a-running-round' }, 'wrong round');
    const { report } = await queues.finished(other.job.round_id);
    expect(report.status).toBe('timeout');
  });

  it('times a phase out: Report timeout naming the phase, no process of the group left', async () => {
    const { job, pgid } = await startSleeping('timeout', { phase_timeout: { coding: 1 } });
    const { report } = await queues.finished(job.round_id);
    expect(report).toMatchObject({ status: 'timeout', error: 'phase coding timed out after 1 s' });
    expect(new ProcessGroup(pgid).isAlive()).toBe(false);
  });
});
