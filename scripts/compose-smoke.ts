// The containers' smoke test without a Docker engine: runs the orchestrator and a worker with the very command
// and environment docker-compose.yml (and the Dockerfile's ENV) gives them. Only what names another container
// changes: `redis`, `postgres` and `minio` become this machine's Redis, a fresh database on PG_TEST_URL (SQLite
// when unset) and an s3rver; ports, folders and the queue prefix become private ones. Then it waits for the
// compose health checks, submits examples/echo.json, and expects a successful Report whose artifact is in the
// bucket and a worker /metrics that counted it. Exit code 0 on success, 1 otherwise.
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, redisUrl as machineRedisUrl, startCommand, type StackProcess } from '../test/support/local-stack';
import { createTestDatabase, pgTestUrl } from '../test/support/postgres';
import { parsePrometheusText, sampleValue } from '../test/support/prometheus-text';
import { startS3Server } from '../test/support/s3-server';
import { until } from '../test/support/until';
import {
  readComposeFile,
  readDockerStages,
  repoRoot,
  serviceCommand,
  serviceEnvironment,
  type ComposeService,
} from './compose-file';

type Env = Record<string, string>;

/** Replaces every URL value whose host is a compose service by what `replacements` gives for that service. */
function pointAtMachine(env: Env, replacements: Record<string, (url: URL) => string | undefined>): Env {
  const result: Env = {};
  for (const [name, value] of Object.entries(env)) {
    const url = URL.canParse(value) ? new URL(value) : undefined;
    const replace = url && replacements[url.hostname];
    if (!replace) {
      result[name] = value;
      continue;
    }
    const replaced = replace(url);
    if (replaced !== undefined) result[name] = replaced;
  }
  return result;
}

/** Starts `command` the way the container does (cwd = the image's WORKDIR, here the repository root). */
function startService(name: string, command: string[], env: Env): StackProcess {
  log(`${name}: ${command.join(' ')}`);
  return startCommand(command[0], command.slice(1), env);
}

/** Runs the service's compose health check (`CMD` form) in its environment until it exits 0. */
async function waitHealthy(name: string, service: ComposeService, env: Env, proc: StackProcess): Promise<void> {
  const test = service.healthcheck?.test;
  if (!Array.isArray(test) || test[0] !== 'CMD') throw new Error(`${name}: expected a healthcheck in CMD form`);
  await until(
    () => {
      if (proc.child.exitCode !== null) throw new Error(`${name} exited with ${proc.child.exitCode}`);
      return spawnSync(test[1], test.slice(2), { env, cwd: repoRoot, timeout: 5_000 }).status === 0;
    },
    { timeoutMs: 60_000, intervalMs: 250, what: `${name} health check` },
  );
  log(`${name}: healthy`);
}

function log(line: string): void {
  process.stdout.write(`compose-smoke: ${line}\n`);
}

async function main(): Promise<void> {
  const { services } = readComposeFile();
  const stages = readDockerStages();
  const root = mkdtempSync(join(tmpdir(), 'sc-compose-smoke-'));
  const workerEnvInCompose = serviceEnvironment(services.worker);
  // MinIO's stand-in accepts the very credentials the compose file gives the workers.
  const s3 = await startS3Server(workerEnvInCompose.S3_BUCKET, {
    accessKeyId: workerEnvInCompose.AWS_ACCESS_KEY_ID,
    secretAccessKey: workerEnvInCompose.AWS_SECRET_ACCESS_KEY,
  });
  const database = pgTestUrl ? await createTestDatabase(pgTestUrl) : undefined;
  const processes: StackProcess[] = [];
  try {
    const machineRedis = new URL(machineRedisUrl);
    const replacements: Record<string, (url: URL) => string | undefined> = {
      redis: (url) => Object.assign(url, { hostname: machineRedis.hostname, port: machineRedis.port }).toString(),
      // Without PG_TEST_URL the orchestrator falls back to SQLite, as it does with DATABASE_URL unset.
      postgres: () => database?.url,
      minio: () => s3.endpoint,
    };
    // Private where the machine is shared with other runs; everything else is the compose file's value.
    const queuePrefix = `sc-smoke-${randomBytes(4).toString('hex')}`;
    const local = (app: string): Env => ({
      SC_DATA_DIR: join(root, app, 'data'),
      SC_LOG_DIR: join(root, 'logs'),
      SC_QUEUE_PREFIX: queuePrefix,
    });
    const baseEnv: Env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? root };
    const port = String(await freePort());
    const metricsPort = String(await freePort());
    const orchestratorEnv: Env = {
      ...baseEnv,
      ...stages.orchestrator.env,
      ...pointAtMachine(serviceEnvironment(services.orchestrator), replacements),
      ...local('orchestrator'),
      PORT: port,
    };
    const workerEnv: Env = {
      ...baseEnv,
      ...stages.worker.env,
      ...pointAtMachine(workerEnvInCompose, replacements),
      ...local('worker'),
      SC_WORKER_METRICS_PORT: metricsPort,
    };
    log(
      `database: ${database ? 'fresh Postgres database on PG_TEST_URL' : 'SQLite (PG_TEST_URL unset)'}; S3: s3rver at ${s3.endpoint}`,
    );

    const orchestrator = startService('orchestrator', serviceCommand(services.orchestrator), orchestratorEnv);
    processes.push(orchestrator);
    await waitHealthy('orchestrator', services.orchestrator, orchestratorEnv, orchestrator);
    const worker = startService('worker', serviceCommand(services.worker), workerEnv);
    processes.push(worker);
    await waitHealthy('worker', services.worker, workerEnv, worker);

    const api = `http://127.0.0.1:${port}`;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (orchestratorEnv.SC_API_TOKEN) headers.authorization = `Bearer ${orchestratorEnv.SC_API_TOKEN}`;
    const submitted = await fetch(`${api}/workorders`, {
      method: 'POST',
      headers,
      body: readFileSync(join(repoRoot, 'examples', 'echo.json')),
    });
    if (submitted.status !== 200)
      throw new Error(`POST /workorders answered ${submitted.status}: ${await submitted.text()}`);
    const { round_id: roundId } = (await submitted.json()) as { round_id: string };
    log(`submitted examples/echo.json: round ${roundId}`);

    const report = await until(
      async () => {
        const response = await fetch(`${api}/reports/${roundId}`, { headers });
        return response.status === 200
          ? ((await response.json()) as { status: string; artifacts: { uri: string; sha256: string; bytes: number }[] })
          : undefined;
      },
      { timeoutMs: 60_000, what: `report of round ${roundId}` },
    );
    if (report.status !== 'success') throw new Error(`round ${roundId} ended ${report.status}`);
    log(`report: ${report.status}`);

    const [artifact] = report.artifacts;
    const prefix = `s3://${s3.bucket}/`;
    if (!artifact?.uri.startsWith(prefix))
      throw new Error(`expected an artifact in ${prefix}, got ${JSON.stringify(report.artifacts)}`);
    const object = await s3.getObject(artifact.uri.slice(prefix.length));
    if (
      createHash('sha256').update(object.bytes).digest('hex') !== artifact.sha256 ||
      object.bytes.length !== artifact.bytes
    ) {
      throw new Error(`the object at ${artifact.uri} does not match the Report`);
    }
    log(`artifact: ${artifact.uri} (${artifact.bytes} bytes, sha256 matches)`);

    const metrics = parsePrometheusText(await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text());
    if (sampleValue(metrics, 'round_total', { status: 'succeeded', plugin: 'echo' }) !== 1)
      throw new Error('the worker /metrics did not count the Round');
    const orchestratorMetrics = await fetch(`${api}/metrics`);
    log(`worker /metrics counted the Round; orchestrator /metrics answered ${orchestratorMetrics.status}`);
    log('ok');
  } catch (error) {
    for (const [index, proc] of processes.entries())
      process.stderr.write(`--- ${index === 0 ? 'orchestrator' : 'worker'} output ---\n${proc.output()}\n`);
    throw error;
  } finally {
    for (const proc of processes.reverse()) await proc.stop();
    await s3.close();
    await database?.drop();
    rmSync(root, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`compose-smoke: FAILED: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
