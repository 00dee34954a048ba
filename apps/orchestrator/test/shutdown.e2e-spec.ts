import { echoOrder, startOrchestratorStack, type OrchestratorStack } from './support/orchestrator-stack';

describe('orchestrator shutdown', () => {
  let sc: OrchestratorStack;
  beforeAll(async () => {
    sc = await startOrchestratorStack();
  });
  afterAll(() => sc?.close());

  it('ends open event streams on SIGTERM and exits 0 instead of waiting for them', async () => {
    const submitted = await sc.call('POST', '/workorders', { body: echoOrder() });
    // No worker runs: the Round stays queued, so only the shutdown can end this stream.
    const stream = await fetch(`${sc.orchestrator.url}/rounds/${submitted.body.round_id}/events`);
    const body = stream.text();
    // stop() sends SIGTERM and falls back to SIGKILL after the grace; only a clean exit gives code 0.
    await sc.orchestrator.stop(15_000);
    expect(sc.orchestrator.child.signalCode).toBeNull();
    expect(sc.orchestrator.child.exitCode).toBe(0);
    expect(await body).toContain('event: transition');
  });
});
