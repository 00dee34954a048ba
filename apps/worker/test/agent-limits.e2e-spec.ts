import { roundJobId } from '@sc/schemas';
import { type StackEnv, type StackProcess } from '../../../test/support/local-stack';
import { until } from '../../../test/support/until';
import { startWorkerStack, stopWorkerStack, type QueueDriver } from './worker-stack';

// A Round that needs more agents of a model API at once than SC_AGENT_LIMITS allows could never take its slots:
// the worker ends it at once with an `error` Report. No agent CLI runs, so none needs to be installed.
describe('worker: a Round over SC_AGENT_LIMITS', () => {
  let stack: StackEnv;
  let worker: StackProcess;
  let queues: QueueDriver;

  beforeAll(async () => {
    ({ stack, worker, queues } = await startWorkerStack({ SC_AGENT_LIMITS: 'anthropic=3,openai=5' }));
  });

  afterAll(async () => {
    await stopWorkerStack({ stack, worker, queues });
  });

  it('ends at once with one error Report naming the provider, the agents it needs and the limit', async () => {
    const claude = { name: 'claude', model: 'claude-sonnet-4-5', role: 'implementer' };
    const job = await queues.submit({
      plugin: 'agent-cli',
      phases: ['coding'],
      repo: { path: stack.dataDir },
      agents: [claude, claude, claude, claude, { name: 'codex', model: 'gpt-5-codex', role: 'reviewer' }],
    });
    const { report } = await queues.finished(job.round_id);
    expect(report).toMatchObject({
      round_id: job.round_id,
      status: 'error',
      error: 'the work-order needs 4 anthropic agents at once; SC_AGENT_LIMITS allows 3',
      phases: [],
      attempt: 1,
    });
    // The job completed on its first start: never put back in the queue, so nothing more will come of it.
    const stored = await until(
      async () => {
        const found = await queues.workorders.getJob(roundJobId(job.round_id, job.attempt));
        return found && (await found.getState()) === 'completed' ? found : undefined;
      },
      { what: 'the job completed' },
    );
    expect({ returned: stored.returnvalue, starts: stored.attemptsStarted }).toEqual({
      returned: { status: 'error' },
      starts: 1,
    });
    expect(queues.messagesOf(job.round_id).map((message) => message.type)).toEqual(['started', 'finished']);
  });

  it('names every API over its limit', async () => {
    const codex = { name: 'codex', model: 'gpt-5-codex', role: 'implementer' };
    const claude = { name: 'claude', model: 'claude-sonnet-4-5', role: 'reviewer' };
    const job = await queues.submit({
      plugin: 'agent-cli',
      phases: ['coding'],
      repo: { path: stack.dataDir },
      agents: [...Array.from({ length: 6 }, () => codex), ...Array.from({ length: 4 }, () => claude)],
    });
    const { report } = await queues.finished(job.round_id);
    expect(report).toMatchObject({
      status: 'error',
      error:
        'the work-order needs 6 openai and 4 anthropic agents at once; SC_AGENT_LIMITS allows openai=5,anthropic=3',
    });
  });
});
