import type { RoundView } from '@sc/schemas';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createStackEnv,
  fakeAgent,
  startOrchestrator,
  startWorker,
  type OrchestratorProcess,
  type StackEnv,
  type StackProcess,
} from '../../../test/support/local-stack';
import { createTestRepository } from '../../../test/support/test-repository';
import { until } from '../../../test/support/until';
import { runSc } from './run-sc';

// `sc rounds diff|approve|reject` as built, against a real stack whose worker runs a fake agent on a local repository.
describe('sc rounds diff, approve, reject', () => {
  let dir: string;
  let repo: string;
  let stack: StackEnv;
  let orchestrator: OrchestratorProcess;
  let worker: StackProcess;
  let env: NodeJS.ProcessEnv;
  let count = 0;

  const sc = (...args: string[]) => runSc(args, { env });
  const getRound = async (id: string) =>
    (await fetch(`${orchestrator.url}/rounds/${id}`).then((response) => response.json())) as RoundView;
  /** Submits a work-order held for review and waits until it awaits the decision. */
  const heldRound = async (): Promise<string> => {
    const order = {
      title: `Review me ${++count}`,
      instructions: 'Write the notes.',
      plugin: 'agent-cli',
      repo: { path: repo, base_ref: 'main' },
      agents: [{ name: 'fake', model: 'fake-1', role: 'implementer', command: `"${process.execPath}" "${fakeAgent}"` }],
      phases: ['coding'],
      review: { required: true },
    };
    const response = await fetch(`${orchestrator.url}/workorders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(order),
    });
    const { round_id: id } = (await response.json()) as { round_id: string };
    await until(async () => (await getRound(id)).state === 'awaiting_review', {
      timeoutMs: 60_000,
      what: 'awaiting_review',
    });
    return id;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sc-cli-review-'));
    repo = join(dir, 'repo');
    createTestRepository(repo);
    stack = createStackEnv();
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

  it('prints the diff uncoloured when piped, then approves', async () => {
    const id = await heldRound();
    expect((await sc('rounds', 'logs', id)).stdout).toContain(
      `● running → awaiting_review (finished: success)\n  review it: sc rounds diff ${id}, then sc rounds approve|reject ${id}\n`,
    );
    const diff = await sc('rounds', 'diff', id.slice(0, 13));
    expect(diff.code).toBe(0);
    expect(diff.stdout).toMatch(
      /^# agent fake \(fake-1\): feat\/wo-\S+ against main \([0-9a-f]{12}\)\ndiff --git a\/NOTES.md b\/NOTES.md\n/,
    );
    expect(diff.stdout).toContain('+turn 1 (fake-model): Write the notes.');
    expect(diff.stdout).not.toContain('\u001b[');
    expect(JSON.parse((await sc('rounds', 'diff', id, '--json')).stdout)).toEqual({ round_id: id, diff: diff.stdout });

    expect(await sc('rounds', 'approve', id)).toMatchObject({
      code: 0,
      stdout: `Round ${id}: succeeded (review approved)\n`,
    });
    const again = await sc('rounds', 'approve', id);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`409 round ${id} is succeeded, not awaiting_review`);
  });

  it('rejects with the reason; no reason is a usage error (exit 2)', async () => {
    const id = await heldRound();
    const missing = await sc('rounds', 'reject', id);
    expect(missing.code).toBe(2);
    expect((await sc('rounds', 'reject', id, '--reason', '')).code).toBe(2);
    expect(await sc('rounds', 'reject', id, '--reason', 'not what I asked for')).toMatchObject({
      code: 0,
      stdout: `Round ${id}: failed (review rejected)\n`,
    });
    expect((await getRound(id)).transitions.at(-1)).toMatchObject({
      from: 'awaiting_review',
      to: 'failed',
      reason: 'review rejected: not what I asked for',
    });
  });
});
