import { releaseVersion } from '@sc/infrastructure';
import { validateWorkerHeartbeat, workerHeartbeatKey, workerHeartbeatsKey, WorkerHeartbeatTiming } from '@sc/schemas';
import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import pino from 'pino';
import { parseWorkerConfig } from '../config/worker.config';
import { workerName } from '../worker-name';
import { HeartbeatPublisher } from './heartbeat.publisher';

// Real Redis, a private prefix per test.
describe(HeartbeatPublisher.name, () => {
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const redis = new Redis(redisUrl);
  const prefixes: string[] = [];
  const logger = pino({ level: 'silent' });

  const start = async (env: NodeJS.ProcessEnv = {}) => {
    const queuePrefix = `sc-test-${randomBytes(4).toString('hex')}`;
    prefixes.push(queuePrefix);
    const config = parseWorkerConfig({
      REDIS_URL: redisUrl,
      SC_QUEUE_PREFIX: queuePrefix,
      SC_AGENT_SANDBOX: 'off',
      SC_WORKER_CONCURRENCY: '3',
      ...env,
    });
    const publisher = new HeartbeatPublisher(config, logger);
    await publisher.onApplicationBootstrap();
    return {
      publisher,
      recordKey: workerHeartbeatKey(queuePrefix, workerName),
      namesKey: workerHeartbeatsKey(queuePrefix),
      read: async () => JSON.parse((await redis.get(workerHeartbeatKey(queuePrefix, workerName))) ?? 'null'),
    };
  };

  afterAll(async () => {
    for (const prefix of prefixes) {
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
    }
    redis.disconnect();
  });

  it('announces the worker at start: its name, host, pid, sandbox mode, concurrency and version, with a TTL', async () => {
    const { publisher, recordKey, namesKey, read } = await start();
    try {
      const record = await read();
      expect(validateWorkerHeartbeat(record).ok).toBe(true);
      expect(record).toEqual({
        name: workerName,
        hostname: hostname(),
        pid: process.pid,
        sandbox: 'off',
        sandbox_reason: 'SC_AGENT_SANDBOX=off: agents run unconfined (unsafe)',
        concurrency: 3,
        version: releaseVersion(),
        started_at: expect.any(String),
        last_seen: expect.any(String),
      });
      expect(record.version).toMatch(/^\d+\.\d+\.\d+/);
      expect(await redis.smembers(namesKey)).toEqual([workerName]);
      const ttl = await redis.pttl(recordKey);
      expect(ttl).toBeGreaterThan(WorkerHeartbeatTiming.ttlMs - 5_000);
      expect(ttl).toBeLessThanOrEqual(WorkerHeartbeatTiming.ttlMs);
    } finally {
      await publisher.beforeApplicationShutdown();
    }
  });

  it('renews the record and its TTL at each beat, keeping its start', async () => {
    const { publisher, recordKey, read } = await start();
    try {
      const first = await read();
      await redis.pexpire(recordKey, 1_000);
      await new Promise((resolve) => setTimeout(resolve, 5));
      await publisher.beat();
      const second = await read();
      expect(second.started_at).toBe(first.started_at);
      expect(Date.parse(second.last_seen)).toBeGreaterThan(Date.parse(first.last_seen));
      expect(await redis.pttl(recordKey)).toBeGreaterThan(1_000);
    } finally {
      await publisher.beforeApplicationShutdown();
    }
  });

  it('drops from the list the names whose record expired (killed workers)', async () => {
    const { publisher, namesKey } = await start();
    try {
      await redis.sadd(namesKey, 'gone-host:1');
      await publisher.beat();
      expect(await redis.smembers(namesKey)).toEqual([workerName]);
    } finally {
      await publisher.beforeApplicationShutdown();
    }
  });

  it('removes its record when it stops, and writes none after', async () => {
    const { publisher, recordKey, namesKey } = await start();
    await publisher.beforeApplicationShutdown();
    expect(await redis.exists(recordKey, namesKey)).toBe(0);
    await publisher.beat();
    expect(await redis.exists(recordKey)).toBe(0);
  });

  it('starts, beats and stops while Redis does not answer, without throwing', async () => {
    const { publisher } = await start({ REDIS_URL: 'redis://127.0.0.1:1' });
    await expect(publisher.beat()).resolves.toBeUndefined();
    await expect(publisher.beforeApplicationShutdown()).resolves.toBeUndefined();
  });
});
