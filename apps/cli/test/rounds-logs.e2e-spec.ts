import type { RoundEvent, SubmitWorkOrderResponse } from '@sc/schemas';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createStackEnv,
  repoRoot,
  startOrchestrator,
  startWorker,
  type OrchestratorProcess,
  type StackEnv,
  type StackProcess,
} from '../../../test/support/local-stack';
import { until } from '../../../test/support/until';
import { runSc, startSc } from './run-sc';

/** `expected` patterns match lines of `output` in this order (other lines may come between). */
function expectInOrder(output: string, expected: RegExp[]): void {
  const lines = output.split('\n');
  let from = 0;
  for (const pattern of expected) {
    const found = lines.findIndex((line, i) => i >= from && pattern.test(line));
    if (found < 0) throw new Error(`no line matching ${pattern} after line ${from} of:\n${output}`);
    from = found + 1;
  }
}

const history = [
  /^● new → queued/,
  /^● queued → running/,
  /^▸ coding started$/,
  /^ {2}coding\/claude │ claude says hi in coding$/,
  /^ {2}coding\/codex │ codex says hi in coding$/,
  /^✓ coding success/,
  /^▸ testing started$/,
  /^ {2}testing\/claude │ claude says hi in testing$/,
  /^✓ testing success/,
  /^● running → succeeded/,
];

describe("sc shows a Round's history after the fact: rounds logs, rounds watch, submit --wait", () => {
  let stack: StackEnv;
  let orchestrator: OrchestratorProcess;
  let worker: StackProcess;
  let env: NodeJS.ProcessEnv;
  let dir: string;
  let order: string;

  const sc = (...args: string[]) => runSc(args, { env });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sc-cli-logs-'));
    order = join(dir, 'talk.json');
    writeFileSync(
      order,
      JSON.stringify({ title: 'Talk', instructions: 'Say hi.', plugin: 'agents-talk', phases: ['coding', 'testing'] }),
    );
    stack = createStackEnv({ SC_PLUGINS: join(repoRoot, 'test', 'fixtures', 'plugins', 'agents-talk.plugin.js') });
    orchestrator = await startOrchestrator(stack);
    worker = await startWorker(stack);
    env = { SC_API_URL: orchestrator.url };
  });

  afterAll(async () => {
    await worker?.stop();
    await orchestrator?.stop();
    stack?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('submit --wait shows every phase and log line in order, also on a warm worker that finishes at once', async () => {
    for (let run = 0; run < 3; run++) {
      const { code, stdout } = await sc('submit', order, '--wait');
      expect(code).toBe(0);
      expectInOrder(stdout, history);
    }
  });

  it("rounds logs prints a finished Round's history; --phase and --agent narrow it; --json gives the events", async () => {
    const { round_id: roundId } = JSON.parse(
      (await sc('submit', order, '--wait', '--json')).stdout,
    ) as SubmitWorkOrderResponse;
    const all = await sc('rounds', 'logs', roundId);
    expect(all.code).toBe(0);
    expectInOrder(all.stdout, history);

    const testing = await sc('rounds', 'logs', roundId, '--phase', 'testing');
    expect(testing.stdout.trimEnd().split('\n')).toEqual([
      '▸ testing started',
      '  testing/claude │ claude says hi in testing',
      '  testing/codex │ codex says hi in testing',
      expect.stringMatching(/^✓ testing success/),
    ]);
    const codex = await sc('rounds', 'logs', roundId, '--agent', 'codex');
    expect(codex.stdout.trimEnd().split('\n')).toEqual([
      '  coding/codex │ codex says hi in coding',
      '  testing/codex │ codex says hi in testing',
    ]);

    const events = JSON.parse((await sc('rounds', 'logs', roundId, '--follow', '--json')).stdout) as RoundEvent[];
    expect(events.map((event) => event.type)).toEqual([
      'transition',
      'transition',
      'phase',
      'log',
      'log',
      'phase',
      'phase',
      'log',
      'log',
      'phase',
      'transition',
    ]);
  });

  it('rounds watch attached after the end shows the phase lines before the end, and the Report', async () => {
    const { round_id: roundId } = JSON.parse(
      (await sc('submit', order, '--wait', '--json')).stdout,
    ) as SubmitWorkOrderResponse;
    const { code, stdout } = await sc('rounds', 'watch', roundId);
    expect(code).toBe(0);
    expectInOrder(stdout, [...history, /^✓ Round \S+ \(attempt 1\): success$/]);
  });

  it('rounds logs --follow prints what is stored, then the lines of a running Round as they come, and ends with it', async () => {
    const shell = join(dir, 'shell.json');
    writeFileSync(
      shell,
      JSON.stringify({
        title: 'Slow',
        instructions: 'Echo slowly.',
        plugin: 'shell',
        phases: ['coding'],
        params: { commands: ['echo first', 'sleep 2', 'echo last'] },
      }),
    );
    const roundId = (await sc('submit', shell)).stdout.trim();
    await until(async () => (await sc('rounds', 'logs', roundId)).stdout.includes('│ first'), {
      timeoutMs: 20_000,
      what: 'the first line stored',
    });
    const followed = startSc(['rounds', 'logs', roundId, '--follow'], { env });
    const { code, stdout } = await followed.done;
    expect(code).toBe(0);
    expectInOrder(stdout, [
      /^● queued → running/,
      /^▸ coding started$/,
      /│ first$/,
      /│ last$/,
      /^✓ coding success/,
      /^● running → succeeded/,
    ]);
  });

  it('rounds logs of an unknown Round is one line and exit 2', async () => {
    const { code, stderr } = await sc('rounds', 'logs', 'no-such-round');
    expect(code).toBe(2);
    expect(stderr).toMatch(/404/);
  });
});
