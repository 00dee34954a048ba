import { describeRedis, EnvReader, readRedisSettings } from '@sc/infrastructure';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../../test/support/local-stack';
import { SentinelGroup } from '../../../test/support/redis-sentinel-group';
import { runSc } from './run-sc';

describe('sc doctor', () => {
  it('prints and returns the Redis and API URLs with their passwords masked', async () => {
    const [redisPort, apiPort] = [await freePort(), await freePort()];
    const env = {
      REDIS_URL: `redis://default:redis-secret@127.0.0.1:${redisPort}`,
      SC_API_URL: `http://sc:api-secret@127.0.0.1:${apiPort}`,
    };
    for (const args of [['doctor'], ['doctor', '--json']]) {
      const { code, stdout, stderr } = await runSc(args, { env });
      expect({ code, secrets: `${stdout}${stderr}`.match(/redis-secret|api-secret/g) }).toEqual({
        code: 1,
        secrets: null,
      });
      expect(stdout).toContain(`redis://default:***@127.0.0.1:${redisPort}: connection refused`);
      expect(stdout).toContain(`http://sc:***@127.0.0.1:${apiPort}`);
    }
  });
});

describe('sc doctor with Redis through Sentinel', () => {
  let group: SentinelGroup;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sc-doctor-sentinel-'));
    group = await SentinelGroup.startOnLoopback({ dir });
  });

  afterAll(async () => {
    await group?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('asks the Sentinels for the master and pings it, before and after a failover', async () => {
    const env = { ...group.env, REDIS_URL: '', SC_API_URL: `http://127.0.0.1:${await freePort()}` };
    const redisCheck = async () => {
      const { stdout } = await runSc(['doctor', '--json'], { env });
      return (JSON.parse(stdout) as { checks: { name: string; ok: boolean; detail: string }[] }).checks.find(
        (check) => check.name === 'redis',
      );
    };
    expect(await redisCheck()).toEqual({
      name: 'redis',
      ok: true,
      detail: `${describeRedis(readRedisSettings(new EnvReader(group.env)))}: master 127.0.0.1:${await group.masterPort()} answers PING`,
    });
    const promoted = await group.failOver();
    expect((await redisCheck())?.detail).toMatch(new RegExp(`master 127\\.0\\.0\\.1:${promoted} answers PING$`));
  });

  it('names what is missing in one line', async () => {
    const { stdout } = await runSc(['doctor'], { env: { REDIS_SENTINELS: group.env.REDIS_SENTINELS } });
    expect(stdout).toContain('✗ redis: REDIS_SENTINEL_MASTER: expected the master name the Sentinels monitor, got ""');
  });
});
