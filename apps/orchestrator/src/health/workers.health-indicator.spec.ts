import { Logger } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { workerHeartbeatKey, workerHeartbeatsKey, type WorkerHeartbeat } from '@sc/schemas';
import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import type { OrchestratorConfig } from '../config/orchestrator.config';
import { WorkersHealthIndicator } from './workers.health-indicator';

// Real Redis, a private prefix per test: records are written as workers write them (see the worker's
// HeartbeatPublisher), with a TTL.
describe(WorkersHealthIndicator.name, () => {
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const redis = new Redis(redisUrl);
  const prefixes: string[] = [];
  const indicators: WorkersHealthIndicator[] = [];

  const indicatorFor = (url = redisUrl) => {
    const queuePrefix = `sc-test-${randomBytes(4).toString('hex')}`;
    prefixes.push(queuePrefix);
    const indicator = new WorkersHealthIndicator(
      { redis: { url }, queuePrefix } as OrchestratorConfig,
      new HealthIndicatorService(),
    );
    indicators.push(indicator);
    return { indicator, queuePrefix };
  };
  const heartbeat = (name: string, sandbox: WorkerHeartbeat['sandbox']): WorkerHeartbeat => ({
    name,
    hostname: name.split(':')[0],
    pid: Number(name.split(':')[1]),
    sandbox,
    sandbox_reason: 'because',
    concurrency: 1,
    version: '0.1.0',
    started_at: '2026-01-01T00:00:00.000Z',
    last_seen: '2026-01-01T00:00:05.000Z',
  });
  const announce = async (queuePrefix: string, record: WorkerHeartbeat) => {
    await redis.set(workerHeartbeatKey(queuePrefix, record.name), JSON.stringify(record), 'PX', 60_000);
    await redis.sadd(workerHeartbeatsKey(queuePrefix), record.name);
  };

  beforeAll(() => Logger.overrideLogger(false));
  afterAll(async () => {
    await Promise.all(indicators.map((indicator) => indicator.onApplicationShutdown()));
    for (const prefix of prefixes) {
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
    }
    redis.disconnect();
  });

  it('lists the live workers of its prefix by name, with the fields it knows', async () => {
    const { indicator, queuePrefix } = indicatorFor();
    const other = indicatorFor();
    // A newer worker's record, with a field this release does not know.
    const newer = { ...heartbeat('b-host:2', 'unavailable'), gpus: 2 };
    await announce(queuePrefix, newer);
    await announce(queuePrefix, heartbeat('a-host:1', 'off'));
    await announce(other.queuePrefix, heartbeat('c-host:3', 'bubblewrap'));
    expect(await indicator.list()).toEqual({
      workers: { status: 'up', processes: [heartbeat('a-host:1', 'off'), heartbeat('b-host:2', 'unavailable')] },
    });
  });

  it('leaves out a name whose record expired, and a record that is not one', async () => {
    const { indicator, queuePrefix } = indicatorFor();
    await announce(queuePrefix, heartbeat('live:1', 'bubblewrap'));
    await redis.sadd(workerHeartbeatsKey(queuePrefix), 'killed:2', 'garbled:3', 'old:4');
    await redis.set(workerHeartbeatKey(queuePrefix, 'garbled:3'), '{not json');
    await redis.set(workerHeartbeatKey(queuePrefix, 'old:4'), JSON.stringify({ name: 'old:4', sandbox: 'maybe' }));
    expect(await indicator.list()).toEqual({
      workers: { status: 'up', processes: [heartbeat('live:1', 'bubblewrap')] },
    });
  });

  it('is up with an empty list when no worker runs', async () => {
    const { indicator } = indicatorFor();
    expect(await indicator.list()).toEqual({ workers: { status: 'up', processes: [] } });
  });

  it('is still up when Redis does not answer, and says the list is unknown', async () => {
    const { indicator } = indicatorFor('redis://127.0.0.1:1');
    expect(await indicator.list()).toEqual({
      workers: { status: 'up', processes: [], message: expect.any(String) },
    });
  });
});
