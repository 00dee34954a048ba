import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SandboxRuntime } from '@sc/runner';
import { createStackEnv, startWorker, type StackEnv, type StackProcess } from '../../../test/support/local-stack';
import { createTestRepository } from '../../../test/support/test-repository';
import { until } from '../../../test/support/until';
import { QueueDriver } from './worker-stack';
import { areEscapeesRunning, escapeesCommand, processesWith } from '../../../test/support/processes';

// A worker stopped while its agent runs — by kill -9 or SIGTERM — leaves none of the agent's processes, also
// those that left its process group.
const probe = SandboxRuntime.load(process.env, tmpdir());
if (probe.mode !== 'bubblewrap')
  console.log(`worker agent-sandbox.e2e-spec: no sandbox on this machine (${probe.reason}); skipping`);
const describeSandboxed = probe.mode === 'bubblewrap' ? describe : describe.skip;

describeSandboxed('worker: an agent never outlives its worker', () => {
  let stack: StackEnv;
  let repo: string;
  let worker: StackProcess | undefined;
  let queues: QueueDriver;

  beforeAll(() => {
    stack = createStackEnv();
    mkdirSync(stack.dataDir, { recursive: true });
    repo = join(stack.dataDir, '..', 'repo');
    createTestRepository(repo);
    queues = new QueueDriver(stack);
  });

  afterAll(async () => {
    await queues?.close();
    await worker?.kill();
    stack?.cleanup();
  });

  it.each([
    ['kill -9', (process: StackProcess) => process.kill()],
    ['SIGTERM', (process: StackProcess) => process.stop(30_000)],
  ])('%s of the worker mid-round leaves 0 agent processes within 5 s', async (_how, stop) => {
    worker = await startWorker(stack);
    const marker = `sc-orphan-${Date.now()}`;
    const job = await queues.submit({
      plugin: 'agent-cli',
      phases: ['coding'],
      repo: { path: repo },
      branch: `feat/${marker}`,
      agents: [{ name: 'sleeper', model: 'none', role: 'implementer', command: escapeesCommand(marker) }],
    });
    // Each escapee says itself that it runs (the marker alone also matches bwrap's and the shell's command lines).
    const worktree = join(stack.dataDir, 'worktrees', job.round_id, '1', 'sleeper');
    await until(() => areEscapeesRunning(worktree), { timeoutMs: 30_000, what: 'the agent and its escapees running' });
    await stop(worker);
    const stoppedAt = Date.now();
    await until(() => processesWith(marker).length === 0, { timeoutMs: 5_000, what: 'no agent process left' });
    expect(Date.now() - stoppedAt).toBeLessThan(5_000);
  });
});
