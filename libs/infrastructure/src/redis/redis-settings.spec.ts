import { ConfigError, EnvReader } from '../env/env-reader';
import { redisConnectionOptions } from './redis-connection';
import { describeRedis, readRedisSettings } from './redis-settings';

const read = (env: NodeJS.ProcessEnv) => readRedisSettings(new EnvReader(env));

describe(readRedisSettings.name, () => {
  it('reads Sentinels, the master name and both passwords', () => {
    const settings = read({
      REDIS_SENTINELS: 'redis-a:26379, 10.0.0.2:26380,[::1]:26381',
      REDIS_SENTINEL_MASTER: 'sc',
      REDIS_PASSWORD: 'data-secret',
      REDIS_SENTINEL_PASSWORD: 'sentinel-secret',
    });
    expect(settings).toEqual({
      sentinels: [
        { host: 'redis-a', port: 26379 },
        { host: '10.0.0.2', port: 26380 },
        { host: '::1', port: 26381 },
      ],
      master: 'sc',
      password: 'data-secret',
      sentinelPassword: 'sentinel-secret',
    });
    expect(redisConnectionOptions(settings)).toMatchObject({
      name: 'sc',
      password: 'data-secret',
      sentinelPassword: 'sentinel-secret',
      failoverDetector: true,
      maxRetriesPerRequest: null,
    });
    expect(describeRedis(settings)).toBe('sentinel master "sc" via redis-a:26379,10.0.0.2:26380,::1:26381');
  });

  it('describes a URL without its password', () => {
    expect(describeRedis(read({ REDIS_URL: 'redis://default:s3cret@redis:6380/2' }))).toBe('redis://redis:6380/2');
  });

  it.each([
    [{ REDIS_SENTINELS: 'a:26379' }, 'REDIS_SENTINEL_MASTER: expected the master name the Sentinels monitor, got ""'],
    [
      { REDIS_SENTINEL_MASTER: 'sc' },
      'REDIS_SENTINELS: expected host:port,… when REDIS_SENTINEL_MASTER is set, got ""',
    ],
    [{ REDIS_SENTINELS: 'a:26379,b', REDIS_SENTINEL_MASTER: 'sc' }, 'REDIS_SENTINELS: expected host:port,…, got "b"'],
    [
      { REDIS_SENTINELS: 'a:70000', REDIS_SENTINEL_MASTER: 'sc' },
      'REDIS_SENTINELS: expected host:port,…, got "a:70000"',
    ],
    [
      { REDIS_SENTINELS: 'a:26379', REDIS_SENTINEL_MASTER: 'sc', REDIS_URL: 'redis://:pw@r:6379' },
      'REDIS_URL: expected to be unset when REDIS_SENTINELS is set (one or the other), got "redis://:***@r:6379"',
    ],
    [
      { REDIS_PASSWORD: 'pw' },
      'REDIS_PASSWORD: expected to be unset without REDIS_SENTINELS (REDIS_URL carries its own password), got "***"',
    ],
  ])('refuses %j in one line', (env, message) => {
    expect(() => read(env)).toThrow(new ConfigError(message));
  });
});
