import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { parseWorkerConfig, WorkerConfigError } from './worker.config';

describe(parseWorkerConfig.name, () => {
  it('fills in the defaults of the design', () => {
    expect(parseWorkerConfig({})).toEqual({
      redisUrl: 'redis://127.0.0.1:6379',
      dataDir: resolve('data'),
      logDir: resolve('logs'),
      plugins: [],
      concurrency: 1,
      queuePrefix: 'sc',
      logLevel: 'info',
    });
  });

  it('reads every variable', () => {
    const config = parseWorkerConfig({
      REDIS_URL: 'redis://redis:6380/2',
      SC_DATA_DIR: '/srv/sc',
      SC_LOG_DIR: '/var/log/sc',
      SC_PLUGINS: ' my-plugin , ./plugins/local.js ,',
      SC_WORKER_CONCURRENCY: '8',
      SC_QUEUE_PREFIX: 'staging',
      SC_WORKER_METRICS_PORT: '9464',
      LOG_LEVEL: 'debug',
    });
    expect(config).toEqual({
      redisUrl: 'redis://redis:6380/2',
      dataDir: '/srv/sc',
      logDir: '/var/log/sc',
      plugins: ['my-plugin', './plugins/local.js'],
      concurrency: 8,
      queuePrefix: 'staging',
      metricsPort: 9464,
      logLevel: 'debug',
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it.each([
    [{ REDIS_URL: 'localhost' }, 'REDIS_URL: expected redis://host:port, got "localhost"'],
    [{ REDIS_URL: 'http://localhost:6379' }, 'REDIS_URL: expected redis://host:port, got "http://localhost:6379"'],
    [{ SC_WORKER_CONCURRENCY: '0' }, 'SC_WORKER_CONCURRENCY: expected an integer from 1 to 256, got "0"'],
    [{ SC_WORKER_CONCURRENCY: '257' }, 'SC_WORKER_CONCURRENCY: expected an integer from 1 to 256, got "257"'],
    [{ SC_WORKER_CONCURRENCY: '2.5' }, 'SC_WORKER_CONCURRENCY: expected an integer from 1 to 256, got "2.5"'],
    [{ SC_WORKER_METRICS_PORT: '70000' }, 'SC_WORKER_METRICS_PORT: expected an integer from 1 to 65535, got "70000"'],
    [{ SC_QUEUE_PREFIX: 'a:b' }, 'SC_QUEUE_PREFIX: expected letters, digits, "_", "." or "-" (at most 64, no ":"), got "a:b"'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent, got "loud"'],
  ])('refuses %p with one line', (env, message) => {
    expect(() => parseWorkerConfig(env)).toThrow(new WorkerConfigError(message));
  });

  it('stops the process with exit code 2 and one line on stderr', () => {
    const script = `require('${resolve(__dirname, 'worker.config.ts').replace(/\\/g, '/')}').loadWorkerConfig()`;
    const result = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], {
      env: { PATH: process.env.PATH, SC_WORKER_CONCURRENCY: 'many' },
      encoding: 'utf8',
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toBe('SC_WORKER_CONCURRENCY: expected an integer from 1 to 256, got "many"\n');
  });
});
