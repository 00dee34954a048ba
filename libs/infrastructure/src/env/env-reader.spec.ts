import { readRedisSettings } from '../redis/redis-settings';
import { ConfigError, EnvReader, withoutPassword } from './env-reader';

describe(EnvReader.name, () => {
  it('treats a blank variable as unset', () => {
    const read = new EnvReader({ LOG_LEVEL: '  ', SC_PLUGINS: ' a, ,b ' });
    expect([read.logLevel(), read.list('SC_PLUGINS'), readRedisSettings(read)]).toEqual([
      'info',
      ['a', 'b'],
      { url: 'redis://127.0.0.1:6379' },
    ]);
  });

  it.each([
    [
      { REDIS_URL: 'redis://u:secret@' },
      () => readRedisSettings(new EnvReader({ REDIS_URL: 'redis://u:secret@' })),
      'REDIS_URL: expected redis://[user:password@]host:port, got "redis://u:***@"',
    ],
    [
      { N: '1e3' },
      () => new EnvReader({ N: '1e3' }).integer('N', 1, 5000),
      'N: expected an integer from 1 to 5000, got "1e3"',
    ],
    [
      { SC_QUEUE_PREFIX: 'a:b' },
      () => new EnvReader({ SC_QUEUE_PREFIX: 'a:b' }).queuePrefix(),
      'SC_QUEUE_PREFIX: expected letters, digits, "_", "." or "-" (at most 64, no ":"), got "a:b"',
    ],
  ])('refuses %j in one line that names the variable and hides passwords', (_env, read, message) => {
    expect(read).toThrow(new ConfigError(message));
  });
});

describe(withoutPassword.name, () => {
  it.each([
    ['redis://default:s3cret@127.0.0.1:6379', 'redis://default:***@127.0.0.1:6379'],
    ['redis://:s3cret@redis:6379/0', 'redis://:***@redis:6379/0'],
    ['rediss://user:p%40ss@host: connection refused', 'rediss://user:***@host: connection refused'],
    ['http://a:b@x:3000/health and postgres://u:pw@db/sc', 'http://a:***@x:3000/health and postgres://u:***@db/sc'],
  ])('masks the password of %s', (text, masked) => expect(withoutPassword(text)).toBe(masked));

  it.each(['redis://127.0.0.1:6379', 'redis://user@host:6379', 'http://127.0.0.1:3000/health: ok', 'no URL: a@b'])(
    'leaves %s as it is',
    (text) => {
      expect(withoutPassword(text)).toBe(text);
    },
  );
});
