import { redactUrlCredentials } from './url-credentials';

describe(redactUrlCredentials.name, () => {
  it.each([
    ['redis://default:s3cret@127.0.0.1:6379', 'redis://default:***@127.0.0.1:6379'],
    ['redis://:s3cret@redis:6379/0', 'redis://:***@redis:6379/0'],
    ['rediss://user:p%40ss@host: connection refused', 'rediss://user:***@host: connection refused'],
    ['http://a:b@x:3000/health and postgres://u:pw@db/sc', 'http://a:***@x:3000/health and postgres://u:***@db/sc'],
  ])('masks the password of %s', (text, redacted) => {
    expect(redactUrlCredentials(text)).toBe(redacted);
  });

  it.each(['redis://127.0.0.1:6379', 'redis://user@host:6379', 'http://127.0.0.1:3000/health: ok', 'no URL: a@b'])('leaves %s as it is', (text) => {
    expect(redactUrlCredentials(text)).toBe(text);
  });
});
