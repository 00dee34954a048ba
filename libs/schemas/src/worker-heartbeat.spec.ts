import { validateWorkerHeartbeat } from './validate';
import {
  workerHeartbeatKey,
  workerHeartbeatSchema,
  workerHeartbeatsKey,
  WorkerHeartbeatTiming,
  type WorkerHeartbeat,
} from './worker-heartbeat';

describe('worker heartbeats', () => {
  const record: Required<WorkerHeartbeat> = {
    name: 'vm:4242',
    hostname: 'vm',
    pid: 4242,
    sandbox: 'off',
    sandbox_reason: 'SC_AGENT_SANDBOX=off: agents run unconfined (unsafe)',
    concurrency: 2,
    version: '0.1.0',
    started_at: '2026-01-01T00:00:00.000Z',
    last_seen: '2026-01-01T00:00:05.000Z',
  };

  it('keeps its keys under the queue prefix, apart from the queues', () => {
    expect(workerHeartbeatsKey('sc')).toBe('sc:workers');
    expect(workerHeartbeatKey('sc', 'vm:4242')).toBe('sc:worker:vm:4242');
  });

  it('outlives a late beat: the record lives several intervals', () => {
    expect(WorkerHeartbeatTiming.ttlMs).toBeGreaterThanOrEqual(2 * WorkerHeartbeatTiming.intervalMs);
  });

  it('accepts every field of its type, and has no property its type lacks', () => {
    expect(validateWorkerHeartbeat(record)).toEqual({ ok: true, value: record });
    expect(Object.keys(workerHeartbeatSchema.properties ?? {}).sort()).toEqual(Object.keys(record).sort());
  });

  it('requires every field', () => {
    for (const key of Object.keys(record)) {
      const { [key as keyof WorkerHeartbeat]: _, ...rest } = record;
      expect([key, validateWorkerHeartbeat(rest).ok]).toEqual([key, false]);
    }
  });

  it('refuses a sandbox mode workers do not run', () => {
    expect(validateWorkerHeartbeat({ ...record, sandbox: 'maybe' }).ok).toBe(false);
  });

  it('lets through a field a newer worker adds', () => {
    expect(validateWorkerHeartbeat({ ...record, gpus: 2 }).ok).toBe(true);
  });
});
