import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ModelPrices, SandboxRuntime } from '@sc/runner';
import { ConfigError } from '@sc/infrastructure';
import { parseWorkerConfig } from './worker.config';

describe(parseWorkerConfig.name, () => {
  it('fills in the defaults of the design', () => {
    expect(parseWorkerConfig({})).toEqual({
      redis: { url: 'redis://127.0.0.1:6379' },
      dataDir: resolve('data'),
      logDir: resolve('logs'),
      plugins: [],
      concurrency: 1,
      queuePrefix: 'sc',
      logLevel: 'info',
      upstreams: {
        anthropic: { baseUrl: new URL('https://api.anthropic.com'), headers: {} },
        openai: { baseUrl: new URL('https://api.openai.com/v1'), headers: {} },
        gemini: { baseUrl: new URL('https://generativelanguage.googleapis.com'), headers: {} },
      },
      prices: expect.any(ModelPrices),
      sandbox: expect.any(SandboxRuntime),
      waitMinMs: 60_000,
      agentLimits: {},
      agentCli: { cacheMaxBytes: 10 * 1024 ** 3, portCount: 10 },
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
      S3_ENDPOINT: 'http://minio:9000',
      S3_BUCKET: 'sc-artifacts',
      S3_REGION: 'eu-west-3',
      ANTHROPIC_BASE_URL: 'http://proxy.internal:8080/anthropic',
      ANTHROPIC_API_KEY: 'sk-ant',
      OPENAI_API_KEY: 'sk-openai',
      GOOGLE_API_KEY: 'g-key',
      SC_CACHE_MAX_GB: '0.5',
      SC_PORT_COUNT: '20',
    });
    expect(config).toEqual({
      redis: { url: 'redis://redis:6380/2' },
      dataDir: '/srv/sc',
      logDir: '/var/log/sc',
      plugins: ['my-plugin', './plugins/local.js'],
      concurrency: 8,
      queuePrefix: 'staging',
      metricsPort: 9464,
      logLevel: 'debug',
      s3: { endpoint: 'http://minio:9000', bucket: 'sc-artifacts', region: 'eu-west-3' },
      upstreams: {
        anthropic: { baseUrl: new URL('http://proxy.internal:8080/anthropic'), headers: { 'x-api-key': 'sk-ant' } },
        openai: { baseUrl: new URL('https://api.openai.com/v1'), headers: { authorization: 'Bearer sk-openai' } },
        gemini: {
          baseUrl: new URL('https://generativelanguage.googleapis.com'),
          headers: { 'x-goog-api-key': 'g-key' },
        },
      },
      prices: expect.any(ModelPrices),
      sandbox: expect.any(SandboxRuntime),
      waitMinMs: 60_000,
      agentLimits: {},
      agentCli: { cacheMaxBytes: 512 * 1024 ** 2, portCount: 20 },
    });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.s3)).toBe(true);
  });

  it('defaults S3_REGION to us-east-1 when S3_ENDPOINT is set', () => {
    expect(parseWorkerConfig({ S3_ENDPOINT: 'https://s3.example.com', S3_BUCKET: 'a.b-c' }).s3).toEqual({
      endpoint: 'https://s3.example.com',
      bucket: 'a.b-c',
      region: 'us-east-1',
    });
  });

  it('reads SC_WORKER_LOCK_MS, the lock of a running Round', () => {
    expect(parseWorkerConfig({ SC_WORKER_LOCK_MS: '2000' }).lockMs).toBe(2000);
  });

  it.each([
    [{ REDIS_URL: 'localhost' }, 'REDIS_URL: expected redis://[user:password@]host:port, got "localhost"'],
    [
      { REDIS_URL: 'http://localhost:6379' },
      'REDIS_URL: expected redis://[user:password@]host:port, got "http://localhost:6379"',
    ],
    [{ SC_WORKER_CONCURRENCY: '0' }, 'SC_WORKER_CONCURRENCY: expected an integer from 1 to 256, got "0"'],
    [{ SC_WORKER_CONCURRENCY: '257' }, 'SC_WORKER_CONCURRENCY: expected an integer from 1 to 256, got "257"'],
    [{ SC_WORKER_CONCURRENCY: '2.5' }, 'SC_WORKER_CONCURRENCY: expected an integer from 1 to 256, got "2.5"'],
    [{ SC_WORKER_METRICS_PORT: '70000' }, 'SC_WORKER_METRICS_PORT: expected an integer from 1 to 65535, got "70000"'],
    [
      { SC_QUEUE_PREFIX: 'a:b' },
      'SC_QUEUE_PREFIX: expected letters, digits, "_", "." or "-" (at most 64, no ":"), got "a:b"',
    ],
    [{ SC_WORKER_LOCK_MS: '500' }, 'SC_WORKER_LOCK_MS: expected an integer from 1000 to 3600000, got "500"'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent, got "loud"'],
    [
      { S3_ENDPOINT: 'minio:9000', S3_BUCKET: 'sc' },
      'S3_ENDPOINT: expected an http(s)://host[:port] URL, got "minio:9000"',
    ],
    [
      { S3_ENDPOINT: 'http://minio:9000' },
      'S3_BUCKET: expected a bucket name (3-63 lowercase letters, digits, "." or "-") when S3_ENDPOINT is set, got ""',
    ],
    [
      { S3_ENDPOINT: 'http://minio:9000', S3_BUCKET: 'My_Bucket' },
      'S3_BUCKET: expected a bucket name (3-63 lowercase letters, digits, "." or "-") when S3_ENDPOINT is set, got "My_Bucket"',
    ],
    [
      { S3_ENDPOINT: 'http://minio:9000', S3_BUCKET: 'sc' },
      'S3_BUCKET: expected a bucket name (3-63 lowercase letters, digits, "." or "-") when S3_ENDPOINT is set, got "sc"',
    ],
    [
      { S3_ENDPOINT: 'http://minio:9000', S3_BUCKET: 'sc-artifacts', S3_REGION: 'EU West' },
      'S3_REGION: expected a region name such as us-east-1, got "EU West"',
    ],
    [{ S3_BUCKET: 'sc-artifacts' }, 'S3_ENDPOINT: expected an http(s):// URL when S3_BUCKET is set, got ""'],
    [
      { ANTHROPIC_BASE_URL: 'api.anthropic.com' },
      'ANTHROPIC_BASE_URL: expected an http(s) URL, got "api.anthropic.com"',
    ],
    [{ OPENAI_BASE_URL: 'ftp://proxy/v1' }, 'OPENAI_BASE_URL: expected an http(s) URL, got "ftp://proxy/v1"'],
    [
      { SC_AGENT_LIMITS: 'anthropic=3,claude=2' },
      'SC_AGENT_LIMITS: expected provider=count pairs such as anthropic=3,openai=5 (providers anthropic, openai, gemini; counts >= 1), got "claude=2"',
    ],
    [{ SC_CACHE_MAX_GB: '0' }, 'SC_CACHE_MAX_GB: expected a positive number of GB such as 20 or 0.5, got "0"'],
    [{ SC_CACHE_MAX_GB: '10GB' }, 'SC_CACHE_MAX_GB: expected a positive number of GB such as 20 or 0.5, got "10GB"'],
    [{ SC_PORT_COUNT: '0' }, 'SC_PORT_COUNT: expected a number of ports from 1 to 1000, got "0"'],
    [{ SC_PORT_COUNT: '5000' }, 'SC_PORT_COUNT: expected a number of ports from 1 to 1000, got "5000"'],
    [{ SC_WAIT_MIN_S: '0' }, 'SC_WAIT_MIN_S: expected an integer from 1 to 86400, got "0"'],
    [{ SC_AGENT_SANDBOX: 'docker' }, 'SC_AGENT_SANDBOX: expected "off" (or unset), got "docker"'],
    [
      { SC_AGENT_ENV: 'HTTPS_PROXY, NODE EXTRA' },
      'SC_AGENT_ENV: expected variable names separated by commas, got "NODE EXTRA"',
    ],
    [
      { SC_MODEL_PRICES: '/no/such/prices.json' },
      "SC_MODEL_PRICES: cannot read /no/such/prices.json: ENOENT: no such file or directory, open '/no/such/prices.json'",
    ],
  ])('refuses %p with one line', (env, message) => {
    expect(() => parseWorkerConfig(env)).toThrow(new ConfigError(message));
  });

  it('refuses a Codex config.toml whose provider the model gateway cannot follow, naming the file', () => {
    const codexHome = mkdtempSync(join(tmpdir(), 'sc-worker-codex-'));
    try {
      const file = join(codexHome, 'config.toml');
      writeFileSync(file, 'model_provider = "corp"\n[model_providers.corp]\nname = "c"\nwire_api = "chat"\n');
      expect(() => parseWorkerConfig({ CODEX_HOME: codexHome })).toThrow(
        new ConfigError(
          `Codex config ${file}: model_providers.corp.wire_api is "chat": the model gateway meters only the Responses API (wire_api = "responses", which Codex 0.17x also requires)`,
        ),
      );
    } finally {
      rmSync(codexHome, { recursive: true, force: true });
    }
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
