import type { Report, RoundPage, RoundView, SubmitWorkOrderResponse } from '@sc/schemas';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createStackEnv,
  freePort,
  startOrchestrator,
  startWorker,
  type OrchestratorProcess,
  type StackEnv,
  type StackProcess,
} from '../../../test/support/local-stack';
import { until } from '../../../test/support/until';
import { runSc, startSc } from './run-sc';

describe('sc against a running stack: submit, rounds, report, cancel, doctor', () => {
  let stack: StackEnv;
  let orchestrator: OrchestratorProcess;
  let worker: StackProcess;
  let env: NodeJS.ProcessEnv;
  let dir: string;

  const sc = (...args: string[]) => runSc(args, { env });
  const json = async <T>(...args: string[]): Promise<T> => {
    const { code, stdout, stderr } = await sc(...args, '--json');
    if (code !== 0) throw new Error(`sc ${args.join(' ')} exited ${code}: ${stderr}`);
    return JSON.parse(stdout) as T;
  };
  const writeOrder = (name: string, order: Record<string, unknown>): string => {
    const file = join(dir, name);
    writeFileSync(file, JSON.stringify(order, null, 2));
    return file;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sc-cli-stack-'));
    stack = createStackEnv();
    orchestrator = await startOrchestrator(stack);
    worker = await startWorker(stack);
    env = { SC_API_URL: orchestrator.url, REDIS_URL: stack.env.REDIS_URL };
  });

  afterAll(async () => {
    await worker?.stop();
    await orchestrator?.stop();
    stack?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A shell Round that runs until it is cancelled, submitted; resolves once it is running. */
  const startSleeper = async (): Promise<SubmitWorkOrderResponse> => {
    const order = writeOrder('sleep.json', {
      title: 'Sleep',
      instructions: 'Sleep a while.',
      plugin: 'shell',
      phases: ['coding'],
      params: { commands: ['sleep 60'] },
    });
    const submitted = await json<SubmitWorkOrderResponse>('submit', order);
    await until(async () => (await json<RoundView>('rounds', 'show', submitted.round_id)).state === 'running', {
      timeoutMs: 20_000,
    });
    return submitted;
  };

  it('submit --wait follows the Round to success, prints the Report and exits 0, with no spinner text on a stderr that is no terminal', async () => {
    const { code, stdout, stderr } = await sc('submit', 'examples/echo.json', '--wait');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Round \S+ queued \(work-order \S+\)$/m);
    expect(stdout).toMatch(/→ succeeded/);
    expect(stdout).toMatch(/^✓ Round \S+ \(attempt 1\): success$/m);
  });

  it('submit prints only the round id, and list/show/report --json describe it', async () => {
    const { code, stdout } = await sc('submit', 'examples/echo.json');
    expect(code).toBe(0);
    const roundId = stdout.trim();
    expect(roundId).toMatch(/^\S+$/);

    const round = await until(async () => {
      const view = await json<RoundView>('rounds', 'show', roundId);
      return view.state === 'succeeded' && view;
    });
    expect(round.transitions.map((t) => t.to)).toEqual(['queued', 'running', 'succeeded']);

    const page = await json<RoundPage>('rounds', 'list', '--status', 'succeeded', '--label', 'demo', '--limit', '50');
    expect(page.items.map((item) => item.id)).toContain(roundId);
    expect(page.items.every((item) => item.state === 'succeeded')).toBe(true);

    const report = await json<Report>('report', roundId);
    expect(report).toMatchObject({ round_id: roundId, status: 'success', attempt: 1 });

    // Not a terminal: fitted to 80 columns, or to $COLUMNS.
    const table = await sc('rounds', 'list', '--limit', '5');
    expect(table.code).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID +STATE +PLUGIN +TITLE$/);
    expect(Math.max(...lines.map((line) => [...line].length))).toBeLessThanOrEqual(80);
    const wide = await runSc(['rounds', 'list', '--limit', '5'], { env: { ...env, COLUMNS: '200' } });
    expect(wide.stdout.split('\n')[0]).toMatch(/^ID +STATE +PLUGIN +TITLE +ATTEMPT +LABELS +CREATED$/);
  });

  it('takes a unique prefix of a Round id, and lists the matches of an ambiguous one with exit 2', async () => {
    const first = await json<SubmitWorkOrderResponse>('submit', 'examples/echo.json');
    const second = await json<SubmitWorkOrderResponse>('submit', 'examples/echo.json');
    // UUIDv7s made a moment apart share their leading (time) digits, and differ in their last ones.
    let shared = 0;
    while (first.round_id[shared] === second.round_id[shared]) shared++;
    const unique = second.round_id.slice(0, shared + 1);
    const shown = await json<RoundView>('rounds', 'show', unique);
    expect(shown.id).toBe(second.round_id);
    expect((await until(() => json<Report>('report', unique.toUpperCase()))).round_id).toBe(second.round_id);

    const ambiguous = await sc('rounds', 'show', first.round_id.slice(0, shared));
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stdout).toBe('');
    expect(ambiguous.stderr.split('\n')).toEqual([
      expect.stringMatching(
        new RegExp(`^${first.round_id.slice(0, shared)} matches (\\d+|more than \\d+) Rounds, give more of the id: `),
      ),
      '',
    ]);
    expect(ambiguous.stderr).toContain(first.round_id);
    expect(ambiguous.stderr).toContain(second.round_id);
  });

  it('refuses an invalid file with exit 2 and submits nothing', async () => {
    const before = await json<RoundPage>('rounds', 'list', '--limit', '100');
    const { code, stderr } = await sc('submit', writeOrder('bad.json', { title: '', instructions: 'x' }));
    expect(code).toBe(2);
    expect(stderr).toMatch(/^invalid work-order: .*bad\.json:2 \/title: /);
    const after = await json<RoundPage>('rounds', 'list', '--limit', '100');
    expect(after.items).toHaveLength(before.items.length);
  });

  it('answers an unknown round id with one line and exit 2', async () => {
    const { code, stdout, stderr } = await sc('rounds', 'show', 'no-such-round');
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/404/);
  });

  it('cancel stops a running Round; watch then exits 1, and a second cancel is refused with exit 1', async () => {
    const submitted = await startSleeper();
    const watch = startSc(['rounds', 'watch', submitted.round_id], { env });

    const cancelled = await sc('rounds', 'cancel', submitted.round_id);
    expect(cancelled.code).toBe(0);
    expect(cancelled.stdout).toBe(`Round ${submitted.round_id}: cancellation requested (running)\n`);

    const watched = await watch.done;
    expect(watched.code).toBe(1);
    expect(watched.stdout).toMatch(/→ cancelled/);
    const final = await json<RoundView>('rounds', 'show', submitted.round_id);
    expect(final.state).toBe('cancelled');

    const again = await sc('rounds', 'cancel', submitted.round_id);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/409/);
  });

  it('cancel --wait waits until the Round has ended cancelled, exit 0', async () => {
    const submitted = await startSleeper();
    const { code, stdout } = await sc('rounds', 'cancel', submitted.round_id, '--wait');
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`^Round ${submitted.round_id}: cancellation requested \\(running\\)\n`));
    expect(stdout).toMatch(/● running → cancelled/);
    expect(stdout.endsWith(`Round ${submitted.round_id}: cancelled\n`)).toBe(true);
  });

  it('Ctrl-C on submit --wait leaves the Round running and says how to follow or cancel it', async () => {
    const order = writeOrder('sleep-wait.json', {
      title: 'Sleep',
      instructions: 'Sleep a while.',
      plugin: 'shell',
      phases: ['coding'],
      params: { commands: ['sleep 60'] },
    });
    const waiting = startSc(['submit', order, '--wait'], { env });
    let printed = '';
    waiting.child.stdout?.on('data', (chunk: Buffer) => (printed += chunk.toString()));
    const roundId = await until(() => /→ running/.test(printed) && /^Round (\S+) queued/m.exec(printed)?.[1], {
      timeoutMs: 20_000,
    });
    waiting.child.kill('SIGINT');
    const { code, stderr } = await waiting.done;
    expect(code).toBe(130);
    expect(stderr).toBe(
      `Round ${roundId} goes on; follow it with "sc rounds watch ${roundId}", cancel it with "sc rounds cancel ${roundId}"\n`,
    );
    expect((await json<RoundView>('rounds', 'show', roundId)).state).toBe('running');
    await sc('rounds', 'cancel', roundId, '--wait');
  });

  it('retry starts attempt 2 of a finished Round', async () => {
    const submitted = await json<SubmitWorkOrderResponse>('submit', 'examples/echo.json', '--wait');
    const retried = await json<RoundView>('rounds', 'retry', submitted.round_id);
    expect(retried.attempt).toBe(2);
    const report = await until(async () => {
      const latest = await json<Report>('report', submitted.round_id).catch(() => undefined);
      return latest?.attempt === 2 && latest;
    });
    expect(report.status).toBe('success');
  });

  it('doctor passes against the stack and fails, exit 1, when Redis does not answer', async () => {
    const healthy = await sc('doctor');
    expect(healthy.stdout).toMatch(/^✓ api: /m);
    expect(healthy.stdout).toMatch(/^✓ database: /m);
    expect(healthy.stdout).toMatch(/^[✓!] sandbox: (bubblewrap|off): /m);
    // The stack's worker, from its heartbeat, with how it confines agents.
    expect(healthy.stdout).toMatch(new RegExp(`^[✓!] worker [^ ]+:${worker.child.pid}: (bubblewrap|off): `, 'm'));
    expect(healthy.code).toBe(0);

    // A sandbox value the worker would refuse at start is a failed check, not a crash.
    const misconfigured = await runSc(['doctor'], { env: { ...env, SC_AGENT_SANDBOX: 'maybe' } });
    expect(misconfigured.stdout).toMatch(/^✗ sandbox: SC_AGENT_SANDBOX: expected "off" \(or unset\), got "maybe"$/m);
    expect(misconfigured.code).toBe(1);

    const closed = await freePort();
    const failing = await sc('doctor', '--redis-url', `redis://127.0.0.1:${closed}`);
    expect(failing.code).toBe(1);
    expect(failing.stdout).toMatch(new RegExp(`^✗ redis: redis://127.0.0.1:${closed}: connection refused$`, 'm'));
  });

  it('says in one line that the orchestrator cannot be reached, exit 1', async () => {
    const closed = await freePort();
    const { code, stderr } = await runSc(['rounds', 'list'], { env: { SC_API_URL: `http://127.0.0.1:${closed}` } });
    expect(code).toBe(1);
    expect(stderr).toBe(`cannot reach the orchestrator at http://127.0.0.1:${closed}: connection refused\n`);
  });
});
