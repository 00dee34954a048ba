import { JobName, QueueName, roundJobId } from '@sc/schemas';
import { until } from '../../../test/support/until';
import { echoOrder, startOrchestratorStack, type OrchestratorStack } from './support/orchestrator-stack';
import { trail } from './support/reliability-stack';

// No worker: the test plays it (a `started` message), then loses the job under the running Round.
describe('the reaper', () => {
  let sc: OrchestratorStack;
  beforeAll(async () => {
    sc = await startOrchestratorStack({ SC_REAPER_INTERVAL_MS: '200', SC_REAPER_GRACE_MS: '500' });
  });
  afterAll(() => sc?.close());

  async function runningRound(): Promise<string> {
    const { round_id: roundId } = (await sc.call('POST', '/workorders', { body: echoOrder() })).body;
    await until(() => sc.queue(QueueName.WorkOrders).getJob(roundJobId(roundId, 1)), { what: 'job enqueued' });
    await sc.queue(QueueName.Reports).add(JobName.RoundMessages, {
      messages: [
        { type: 'started', round_id: roundId, attempt: 1, worker: 'gone-worker:1', at: new Date().toISOString() },
      ],
    });
    await until(async () => (await sc.call('GET', `/rounds/${roundId}`)).body.state === 'running', {
      what: `${roundId} running`,
    });
    return roundId;
  }

  it('ends a running Round whose job is gone from Redis as error, with a Report; leaves one whose job waits', async () => {
    const kept = await runningRound();
    const lost = await runningRound();
    expect(await sc.queue(QueueName.WorkOrders).remove(roundJobId(lost, 1))).toBe(1);

    const round = await until(
      async () => {
        const answer = await sc.call('GET', `/rounds/${lost}`);
        return answer.body.state === 'error' ? answer.body : undefined;
      },
      { what: 'orphaned round ended' },
    );
    expect(trail(round).at(-1)).toEqual(['running', 'error', 'orphaned: job lost']);
    expect(round.report_status).toBe('error');
    expect((await sc.call('GET', `/reports/${lost}`)).body).toMatchObject({
      status: 'error',
      error: 'orphaned: job lost',
      attempt: 1,
      worker: 'gone-worker:1',
    });
    // The kept Round is older, so the pass that ended the lost one looked at it too.
    expect((await sc.call('GET', `/rounds/${kept}`)).body.state).toBe('running');
  });
});
