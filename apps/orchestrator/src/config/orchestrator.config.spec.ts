import { ModelPrices } from '@sc/runner';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigError } from '@sc/infrastructure';
import { loadOrchestratorConfig, readOrchestratorConfig } from './orchestrator.config';

describe(readOrchestratorConfig.name, () => {
  it('fills every default', () => {
    const config = readOrchestratorConfig({});
    expect(config).toEqual({
      port: 3000,
      redis: { url: 'redis://127.0.0.1:6379' },
      database: { type: 'sqlite', path: resolve('data', 'sc.sqlite') },
      dataDir: resolve('data'),
      logDir: resolve('logs'),
      queuePrefix: 'sc',
      plugins: [],
      logLevel: 'info',
      reaperIntervalMs: 60_000,
      reaperGraceMs: 300_000,
      github: { isEnabled: false, reason: 'GITHUB_WEBHOOK_SECRET and GITHUB_TOKEN are not set' },
      prFixLimit: 3,
      notify: { urls: [] },
      prices: expect.any(ModelPrices),
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reads SC_MODEL_PRICES, and refuses a file that is not a table of prices with one line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sc-prices-'));
    try {
      writeFileSync(join(dir, 'ok.json'), JSON.stringify({ 'local-llama': { input_mtok: 0, output_mtok: 0.5 } }));
      expect(readOrchestratorConfig({ SC_MODEL_PRICES: join(dir, 'ok.json') }).prices.isKnown('local-llama')).toBe(
        true,
      );
      writeFileSync(join(dir, 'bad.json'), JSON.stringify({ 'local-llama': { input_mtok: -1, output_mtok: 0.5 } }));
      expect(() => readOrchestratorConfig({ SC_MODEL_PRICES: join(dir, 'bad.json') })).toThrow(
        new ConfigError(
          `SC_MODEL_PRICES: expected a JSON file of prices per million tokens (${join(dir, 'bad.json')} /local-llama/input_mtok must be a number >= 0), got ${JSON.stringify(join(dir, 'bad.json'))}`,
        ),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads every variable', () => {
    const config = readOrchestratorConfig({
      PORT: '8080',
      REDIS_URL: 'rediss://user:secret@redis.example:6380/2',
      DATABASE_URL: 'postgresql://sc:pw@db:5432/sc',
      SC_DATA_DIR: '/var/sc',
      SC_LOG_DIR: '/var/log/sc',
      SC_API_TOKEN: 't0ken',
      SC_QUEUE_PREFIX: 'sc-test_1',
      SC_PLUGINS: ' hello , ./plugins/x.js,',
      LOG_LEVEL: 'debug',
      SC_REAPER_INTERVAL_MS: '500',
      SC_REAPER_GRACE_MS: '2000',
      SC_PR_FIX_LIMIT: '5',
      SC_NOTIFY_URLS: 'https://hooks.slack.com/services/T0/B0/x, http://127.0.0.1:9000/hook',
      SC_NOTIFY_SECRET: 's3cret',
      S3_ENDPOINT: 'http://minio:9000',
      S3_BUCKET: 'sc-artifacts',
    });
    expect(config).toMatchObject({
      port: 8080,
      redis: { url: 'rediss://user:secret@redis.example:6380/2' },
      database: { type: 'postgres', url: 'postgresql://sc:pw@db:5432/sc' },
      dataDir: '/var/sc',
      logDir: '/var/log/sc',
      apiToken: 't0ken',
      queuePrefix: 'sc-test_1',
      plugins: ['hello', './plugins/x.js'],
      logLevel: 'debug',
      reaperIntervalMs: 500,
      reaperGraceMs: 2000,
      prFixLimit: 5,
      notify: { urls: ['https://hooks.slack.com/services/T0/B0/x', 'http://127.0.0.1:9000/hook'], secret: 's3cret' },
      s3: { endpoint: 'http://minio:9000', bucket: 'sc-artifacts', region: 'us-east-1' },
    });
  });

  it('puts the SQLite file under SC_DATA_DIR', () => {
    expect(readOrchestratorConfig({ SC_DATA_DIR: '/tmp/x' }).database).toEqual({
      type: 'sqlite',
      path: '/tmp/x/sc.sqlite',
    });
  });

  it.each([
    ['PORT', '0', 'PORT: expected an integer from 1 to 65535, got "0"'],
    ['PORT', '70000', 'PORT: expected an integer from 1 to 65535, got "70000"'],
    ['PORT', '80a', 'PORT: expected an integer from 1 to 65535, got "80a"'],
    ['REDIS_URL', 'localhost', 'REDIS_URL: expected redis://[user:password@]host:port, got "localhost"'],
    [
      'REDIS_URL',
      'http://localhost:6379',
      'REDIS_URL: expected redis://[user:password@]host:port, got "http://localhost:6379"',
    ],
    [
      'DATABASE_URL',
      'mysql://db/x',
      'DATABASE_URL: expected postgres://user:password@host:port/database (unset for SQLite), got "mysql://db/x"',
    ],
    ['SC_QUEUE_PREFIX', 'a:b', 'SC_QUEUE_PREFIX'],
    ['SC_REAPER_INTERVAL_MS', '10', 'SC_REAPER_INTERVAL_MS: expected an integer from 100 to 86400000, got "10"'],
    ['SC_REAPER_GRACE_MS', '1m', 'SC_REAPER_GRACE_MS: expected an integer from 100 to 86400000, got "1m"'],
    [
      'SC_NOTIFY_URLS',
      'https://ok.example/x,file:///etc/passwd',
      'SC_NOTIFY_URLS: expected comma-separated http(s) URLs without credentials, got "file:///etc/passwd"',
    ],
    ['S3_BUCKET', 'b', 'S3_ENDPOINT: expected an http(s):// URL when S3_BUCKET is set'],
    ['LOG_LEVEL', 'loud', 'LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent, got "loud"'],
  ])('refuses %s=%s with one clear line', (name, value, message) => {
    expect(() => readOrchestratorConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => readOrchestratorConfig({ [name]: value })).toThrow(message);
  });

  it('stops the process with one line on stderr and exit code 2', () => {
    const write = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const exit = jest.spyOn(process, 'exit').mockImplementation(((code?: number) => {
      throw new Error(`exit ${code}`);
    }) as typeof process.exit);
    try {
      expect(() => loadOrchestratorConfig({ REDIS_URL: 'localhost' })).toThrow('exit 2');
      expect(write.mock.calls).toEqual([['REDIS_URL: expected redis://[user:password@]host:port, got "localhost"\n']]);
    } finally {
      write.mockRestore();
      exit.mockRestore();
    }
  });
});
