import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { firstValueFrom, take, timeout, toArray } from 'rxjs';
import { until } from '../../../../test/support/until';
import type { OrchestratorConfig } from '../config/orchestrator.config';
import { RoundGrowthChannel } from './round-growth.channel';

// Real Redis pub/sub on a private prefix. Both channels live in this process and so share its replica id: what
// one hears from the other is what a replica hears from itself, which it must ignore; the test's own client
// stands for another replica.
describe(RoundGrowthChannel.name, () => {
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const config = {
    redis: { url: redisUrl },
    queuePrefix: `sc-test-${randomBytes(4).toString('hex')}`,
  } as OrchestratorConfig;
  const channel = `${config.queuePrefix}:round-events`;

  beforeAll(() => Logger.overrideLogger(false));

  it("passes on another replica's notices in order, and ignores its own", async () => {
    const redis = new Redis(redisUrl);
    const listener = new RoundGrowthChannel(config);
    const same = new RoundGrowthChannel(config);
    try {
      await until(async () => ((await redis.pubsub('NUMSUB', channel)) as [string, number])[1] === 2, {
        what: 'both subscribed',
      });
      const heard = firstValueFrom(listener.grown().pipe(take(2), toArray(), timeout(10_000)));
      await redis.publish(channel, 'another-replica r1');
      same.announce('mine');
      await redis.publish(channel, 'another-replica r2');
      expect(await heard).toEqual(['r1', 'r2']);
    } finally {
      await Promise.all([listener.onApplicationShutdown(), same.onApplicationShutdown()]);
      redis.disconnect();
    }
  });
});
