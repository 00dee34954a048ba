import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { OrchestratorConfig } from '../config/orchestrator.config';
import { replicaId } from './replica-id';
import { ReplicaLeases } from './replica-leases.service';

// Real Redis, a private prefix: two instances stand for two replicas (they share this process's replica id,
// so the second is told apart by what Redis holds).
describe(ReplicaLeases.name, () => {
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const queuePrefix = `sc-test-${randomBytes(4).toString('hex')}`;
  const redis = new Redis(redisUrl);
  const config = { redis: { url: redisUrl }, queuePrefix } as OrchestratorConfig;

  beforeAll(() => Logger.overrideLogger(false));
  afterAll(async () => {
    const keys = await redis.keys(`${queuePrefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it('gives a free lease to the first that asks, keeps it for its holder, and refuses it to another holder', async () => {
    const leases = new ReplicaLeases(config);
    try {
      await expect(leases.isHeld('reaper')).resolves.toBe(true);
      await expect(leases.isHeld('reaper')).resolves.toBe(true);
      expect(await redis.get(`${queuePrefix}:lease:reaper`)).toBe(replicaId);
      expect(await redis.pttl(`${queuePrefix}:lease:reaper`)).toBeGreaterThan(0);
      await redis.set(`${queuePrefix}:lease:outbox`, 'other-replica', 'PX', 60_000);
      await expect(leases.isHeld('outbox')).resolves.toBe(false);
    } finally {
      await leases.onApplicationShutdown();
    }
  });

  it('gives its leases back at shutdown, and leaves another holder’s alone', async () => {
    const leases = new ReplicaLeases(config);
    await leases.isHeld('events');
    await redis.set(`${queuePrefix}:lease:gauges`, 'other-replica', 'PX', 60_000);
    await leases.isHeld('gauges');
    await leases.onApplicationShutdown();
    expect(await redis.exists(`${queuePrefix}:lease:events`)).toBe(0);
    expect(await redis.get(`${queuePrefix}:lease:gauges`)).toBe('other-replica');
  });

  it('rejects while Redis does not answer, so that no sweep runs on a lease it may have lost', async () => {
    const leases = new ReplicaLeases({ ...config, redis: { url: 'redis://127.0.0.1:1' } });
    try {
      await expect(leases.isHeld('reaper')).rejects.toThrow();
    } finally {
      await leases.onApplicationShutdown();
    }
  });
});
