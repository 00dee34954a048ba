import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createStackEnv,
  startOrchestrator,
  startWorker,
  type OrchestratorProcess,
  type StackEnv,
  type StackProcess,
} from '../../../test/support/local-stack';
import { until } from '../../../test/support/until';

const terminal = new Set(['succeeded', 'failed', 'timed_out', 'cancelled', 'error']);

/** Whether a process is still there. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

/** The peak resident memory of a process so far, in MiB (VmHWM of /proc/<pid>/status): a flood may raise it by a bounded amount. */
function peakMemoryMiB(pid: number): number {
  const line = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(line?.[1] ?? 0) / 1024;
}

/**
 * Plugins that throw, hang past their timeout ignoring the signal, flood their output or leave processes
 * behind, run by the real worker and orchestrator: each Round ends with an honest status and message, the
 * worker stays up and runs the next Round, memory stays bounded, no process of the Round is left.
 */
describe('bad plugins through the worker and the orchestrator', () => {
  let stack: StackEnv;
  let orchestrator: OrchestratorProcess;
  let worker: StackProcess;
  let hanging: Promise<{ round: { state: string }; report: Record<string, unknown> }>;

  async function submit(order: Record<string, unknown>): Promise<string> {
    const body = { title: 'Bad plugin', instructions: 'Misbehave.', phases: ['coding'], ...order };
    const answer = await fetch(`${orchestrator.url}/workorders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (answer.status !== 200) throw new Error(`submit answered ${answer.status}: ${await answer.text()}`);
    return ((await answer.json()) as { round_id: string }).round_id;
  }

  /** Waits until the Round is terminal and returns it with its Report. */
  async function ended(
    roundId: string,
    timeoutMs = 30_000,
  ): Promise<{ round: { state: string }; report: Record<string, unknown> }> {
    const round = await until(
      async () => {
        const view = (await (await fetch(`${orchestrator.url}/rounds/${roundId}`)).json()) as { state: string };
        return terminal.has(view.state) ? view : undefined;
      },
      { timeoutMs, what: `round ${roundId} ended` },
    );
    const report = (await (await fetch(`${orchestrator.url}/reports/${roundId}`)).json()) as Record<string, unknown>;
    return { round, report };
  }

  async function expectWorkerStillRuns(): Promise<void> {
    expect(worker.child.exitCode).toBeNull();
    const { round } = await ended(await submit({ plugin: 'echo' }));
    expect(round.state).toBe('succeeded');
  }

  beforeAll(async () => {
    stack = createStackEnv({
      SC_PLUGINS:
        join(__dirname, 'fixtures', 'misbehaving.plugin.js') + ',' + join(__dirname, 'fixtures', 'throwing.plugin.js'),
      SC_WORKER_CONCURRENCY: '3',
    });
    orchestrator = await startOrchestrator(stack);
    worker = await startWorker(stack);
    // The hanging plugin is abandoned only after its timeout plus the settle time the runner gives a plugin
    // that ignores its signal; it runs beside the other tests and is checked last.
    hanging = submit({ plugin: 'misbehaving', params: { mode: 'hang' }, phase_timeout: { coding: 1 } }).then((id) =>
      ended(id, 60_000),
    );
  });
  afterAll(async () => {
    await worker?.stop();
    await orchestrator?.stop();
    stack?.cleanup();
  });

  it('a throwing plugin: Round error with its message, the worker goes on', async () => {
    const { round, report } = await ended(await submit({ plugin: 'throwing' }));
    expect(round.state).toBe('error');
    expect(report).toMatchObject({ status: 'error', error: 'fixture plugin failed on purpose' });
    await expectWorkerStillRuns();
  });

  it('a huge summary: cut to the schema maximum, the Report is kept', async () => {
    const { round, report } = await ended(
      await submit({ plugin: 'misbehaving', params: { mode: 'huge-summary', chars: 3_000_000 } }),
    );
    expect(round.state).toBe('succeeded');
    expect((report.summary as string).length).toBe(100_000);
  });

  it('a log flood through ctx.logger: the Round succeeds, log lines are cut, memory stays bounded', async () => {
    const peakBefore = peakMemoryMiB(worker.child.pid!);
    const { round } = await ended(
      await submit({ plugin: 'misbehaving', params: { mode: 'log-flood', lines: 2_000, chars: 200_000 } }),
      60_000,
    );
    expect(round.state).toBe('succeeded');
    const longest = Math.max(
      ...worker
        .output()
        .split('\n')
        .map((line) => line.length),
    );
    expect(longest).toBeLessThan(12 * 1024);
    expect(peakMemoryMiB(worker.child.pid!) - peakBefore).toBeLessThan(256);
    await expectWorkerStillRuns();
  });

  it('a flood through ctx.exec (the shell plugin: 300,000 lines, then one 64 MB line): the Round succeeds, memory stays bounded', async () => {
    const peakBefore = peakMemoryMiB(worker.child.pid!);
    const commands = ['yes flood | head -n 300000', "head -c 67108864 /dev/zero | tr '\\\\0' x"];
    const { round, report } = await ended(await submit({ plugin: 'shell', params: { commands } }), 60_000);
    expect({ state: round.state, error: report.error }).toEqual({ state: 'succeeded', error: undefined });
    expect(peakMemoryMiB(worker.child.pid!) - peakBefore).toBeLessThan(256);
    await expectWorkerStillRuns();
  });

  it('a child left behind, ignoring SIGTERM: killed when the phase ends', async () => {
    const pidFile = join(stack.dataDir, 'orphan.pid');
    const { round } = await ended(
      await submit({ plugin: 'misbehaving', params: { mode: 'orphan', pid_file: pidFile } }),
    );
    expect(round.state).toBe('succeeded');
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    expect(existsSync(pidFile) && pid > 0).toBe(true);
    expect(isAlive(pid)).toBe(false);
  });

  it('a plugin that hangs past its timeout ignoring the signal: Round timed_out naming the phase, the worker goes on', async () => {
    const { round, report } = await hanging;
    expect(round.state).toBe('timed_out');
    expect(report).toMatchObject({ status: 'timeout', error: 'phase coding timed out after 1 s' });
    await expectWorkerStillRuns();
  }, 90_000);
});
