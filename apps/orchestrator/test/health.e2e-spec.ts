import { WorkerHeartbeatTiming, type HealthView, type WorkerHeartbeat } from '@sc/schemas';
import { hostname } from 'node:os';
import { startWorker, type StackProcess } from '../../../test/support/local-stack';
import { until } from '../../../test/support/until';
import { startOrchestratorStack, type OrchestratorStack } from './support/orchestrator-stack';

describe('GET /health', () => {
  let sc: OrchestratorStack;
  const workers: StackProcess[] = [];

  beforeAll(async () => {
    sc = await startOrchestratorStack();
  });
  afterAll(async () => {
    await Promise.all(workers.map((worker) => worker.stop()));
    await sc?.close();
  });

  const health = async () => {
    const { status, body } = await sc.call<HealthView>('GET', '/health');
    // Workers coming and going never make the orchestrator unhealthy.
    expect(status).toBe(200);
    return body;
  };
  const listed = async (): Promise<WorkerHeartbeat[]> => {
    const body = await health();
    expect(body.info.workers).toEqual(body.details.workers);
    return body.details.workers?.processes ?? [];
  };
  const nameOf = (worker: StackProcess) => `${hostname()}:${worker.child.pid}`;

  it('is healthy with no worker, and says none is up', async () => {
    expect((await health()).details).toEqual({
      database: { status: 'up' },
      redis: { status: 'up' },
      workers: { status: 'up', processes: [] },
    });
  });

  it('lists a worker started with SC_AGENT_SANDBOX=off as off, and forgets it within the TTL of its heartbeat after kill -9', async () => {
    const worker = await startWorker(sc.stack, { SC_AGENT_SANDBOX: 'off', SC_WORKER_CONCURRENCY: '2' });
    workers.push(worker);
    // Written before the worker says it is ready.
    expect(await listed()).toEqual([
      {
        name: nameOf(worker),
        hostname: hostname(),
        pid: worker.child.pid,
        sandbox: 'off',
        sandbox_reason: 'SC_AGENT_SANDBOX=off: agents run unconfined (unsafe)',
        concurrency: 2,
        version: expect.stringMatching(/^\d+\.\d+\.\d+/),
        started_at: expect.any(String),
        last_seen: expect.any(String),
      },
    ]);

    await worker.kill();
    // A killed worker removes nothing: its record lives until its TTL runs out, then it is gone on its own.
    expect((await listed()).map((process) => process.name)).toEqual([nameOf(worker)]);
    await until(async () => (await listed()).length === 0, {
      timeoutMs: WorkerHeartbeatTiming.ttlMs + 2_000,
      intervalMs: 500,
      what: 'the killed worker to leave /health',
    });
  });

  it('forgets a worker that stops cleanly at once', async () => {
    const worker = await startWorker(sc.stack);
    workers.push(worker);
    expect((await listed()).map((process) => process.name)).toEqual([nameOf(worker)]);
    await worker.stop();
    // The worker removed its record before it exited.
    expect(await listed()).toEqual([]);
  });

  it('declares the workers part in the OpenAPI document', async () => {
    const document = (await sc.call('GET', '/docs-json')).body;
    const responses = document.paths['/health'].get.responses;
    expect(responses['200'].content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/HealthViewDto',
    });
    expect(responses['503'].content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/HealthUnavailableViewDto',
    });
    const components = document.components.schemas;
    expect(components.HealthChecksViewDto.properties.workers).toMatchObject({
      allOf: [{ $ref: '#/components/schemas/WorkersHealthViewDto' }],
    });
    expect(components.WorkerHeartbeatDto.properties.sandbox.enum).toEqual(['bubblewrap', 'off', 'unavailable']);
    expect(components.WorkerHeartbeatDto.required).toEqual(
      expect.arrayContaining(['name', 'hostname', 'sandbox', 'concurrency', 'last_seen']),
    );
  });
});
