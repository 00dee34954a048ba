import { Flags } from '@oclif/core';
import type { WorkerHeartbeat } from '@sc/schemas';
import { BaseCommand } from '../base-command';
import { loadPlugins, pluginsFlag } from '../plugin-discovery';
import { pingRedis, pingSentinelMaster } from '../redis-ping';
import { describeRedis, EnvReader, isSentinelRedis, readRedisSettings, withoutPassword } from '@sc/infrastructure';
import type { HealthReport } from '../api-client';

/** One check: its name, whether it passed, and what was found. */
export interface DoctorCheck {
  name: string;
  ok: boolean;
  /** Passed, but worth a look (`!`): agents run unconfined. */
  warning?: boolean;
  detail: string;
}

/** What `sc doctor --json` prints. */
export interface DoctorResult {
  ok: boolean;
  checks: DoctorCheck[];
  /** The live workers as `GET /health` lists them; absent when it could not say. */
  workers?: WorkerHeartbeat[];
}

// The Node version the design requires (root package.json "engines").
const minimumNode = [20, 19] as const;

export default class Doctor extends BaseCommand<typeof Doctor> {
  static override summary =
    'Check this machine and the stack: Node, Redis, the API, its database, the plugins, the agent sandbox, the workers.';
  static override description =
    'One line per check, ✓, ! (passed, worth a look) or ✗, and one per running worker with how it confines agents. Exits 1 when any check fails.';
  static override examples = [
    '<%= config.bin %> doctor',
    '<%= config.bin %> doctor --api-url http://sc.internal:3000 --json',
  ];
  static override flags = {
    'redis-url': Flags.string({
      summary: 'The Redis the stack uses.',
      env: 'REDIS_URL',
      default: 'redis://127.0.0.1:6379',
    }),
    plugins: pluginsFlag,
  };

  async run(): Promise<DoctorResult> {
    const health = await this.api.health().then(
      (report) => ({ report }),
      (error: Error) => ({ error: error.message }),
    );
    const found = [
      this.checkNode(),
      await this.checkRedis(),
      checkApi(this.flags['api-url'], health),
      checkDatabase(health),
      await this.checkPlugins(),
      await checkSandbox(),
      ...checkWorkers(health),
    ];
    // Output gets pasted into issues; REDIS_URL and the API URL (also inside error messages) may hold a password.
    const checks = found.map((check) => ({ ...check, detail: withoutPassword(check.detail) }));
    for (const check of checks) this.log(`${markOf(check)} ${check.name}: ${check.detail}`);
    const ok = checks.every((check) => check.ok);
    if (!ok) this.markFailed();
    const workers = 'report' in health ? health.report.details?.workers : undefined;
    return { ok, checks, ...(workers && !workers.message ? { workers: workers.processes } : {}) };
  }

  private checkNode(): DoctorCheck {
    const [major, minor] = process.versions.node.split('.').map(Number);
    const ok = major > minimumNode[0] || (major === minimumNode[0] && minor >= minimumNode[1]);
    return { name: 'node', ok, detail: `v${process.versions.node}${ok ? '' : ` (needs ≥ ${minimumNode.join('.')})`}` };
  }

  private async checkRedis(): Promise<DoctorCheck> {
    if (process.env.REDIS_SENTINELS?.trim()) return checkSentinelRedis(process.env);
    const url = this.flags['redis-url'];
    return pingRedis(url).then(
      () => ({ name: 'redis', ok: true, detail: `${url} answers PING` }),
      (error: Error) => ({ name: 'redis', ok: false, detail: `${url}: ${error.message}` }),
    );
  }

  private async checkPlugins(): Promise<DoctorCheck> {
    const registry = await loadPlugins(this.flags.plugins);
    const refused = registry.refused.map((plugin) => `${plugin.name ?? plugin.source} refused (${plugin.reason})`);
    const detail = [registry.names().join(', ') || 'none', ...refused].join('; ');
    return { name: 'plugins', ok: refused.length === 0 && registry.names().length > 0, detail };
  }
}

/** ✓ passed, ! passed but worth a look, ✗ failed. */
function markOf(check: DoctorCheck): string {
  if (!check.ok) return '✗';
  return check.warning ? '!' : '✓';
}

/**
 * How a worker started here would confine agents (each running worker's own mode is on its line, from
 * `GET /health`): fails only when agent work would be refused.
 */
async function checkSandbox(): Promise<DoctorCheck> {
  const { SandboxRuntime } = await import('@sc/runner');
  try {
    const { mode, reason } = SandboxRuntime.load(process.env, process.env.SC_DATA_DIR ?? './data');
    return {
      name: 'sandbox',
      ok: mode !== 'unavailable',
      ...(mode === 'off' ? { warning: true } : {}),
      detail: `${mode}: ${mode === 'unavailable' ? `agent work is refused (${reason})` : reason}`,
    };
  } catch (error) {
    return { name: 'sandbox', ok: false, detail: (error as Error).message };
  }
}

/**
 * One line per running worker with how it confines agents (`GET /health` lists them from their heartbeats):
 * bubblewrap passes, `off` passes with a warning (its agents run unconfined), `unavailable` fails (it refuses
 * agent work). No worker fails too: submitted Rounds would wait in the queue.
 */
function checkWorkers(health: HealthOutcome): DoctorCheck[] {
  const unknown = (why: string): DoctorCheck[] => [{ name: 'workers', ok: false, detail: `unknown (${why})` }];
  if ('error' in health) return unknown('the API did not answer');
  const workers = health.report.details?.workers;
  if (!workers) return unknown('not reported by /health: an orchestrator older than this sc');
  if (workers.message) return unknown(workers.message);
  if (workers.processes.length === 0)
    return [
      {
        name: 'workers',
        ok: false,
        detail: 'none is up: submitted Rounds wait in the queue until one starts (npm run start:worker, or sc up)',
      },
    ];
  return workers.processes.map((worker) => {
    const name = `worker ${worker.name}`;
    const about = `${worker.concurrency} Round(s) at once, v${worker.version}`;
    if (worker.sandbox === 'bubblewrap')
      return { name, ok: true, detail: `bubblewrap: agents run in bubblewrap sandboxes; ${about}` };
    if (worker.sandbox === 'off')
      return {
        name,
        ok: true,
        warning: true,
        detail: `off: agents run unconfined (SC_AGENT_SANDBOX=off, unsafe); ${about}`,
      };
    return { name, ok: false, detail: `unavailable: refuses agent work (${worker.sandbox_reason}); ${about}` };
  });
}

type HealthOutcome = { report: HealthReport } | { error: string };

/** Every check `GET /health` reported, by name: its `details`, on a 200 and on a 503. */
function checksOf(report: HealthReport): [string, { status: string }][] {
  return Object.entries((report.details ?? {}) as Record<string, { status: string } | undefined>).flatMap(
    ([key, check]) => (check ? [[key, check] as [string, { status: string }]] : []),
  );
}

function checkApi(url: string, health: HealthOutcome): DoctorCheck {
  if ('error' in health) return { name: 'api', ok: false, detail: health.error };
  const { report } = health;
  if ('status' in report) return { name: 'api', ok: report.status === 'ok', detail: `${url}/health: ${report.status}` };
  // A 503: the checks that are down say why.
  const down = checksOf(report)
    .filter(([, check]) => check.status === 'down')
    .map(([key]) => `${key} down`);
  return {
    name: 'api',
    ok: false,
    detail: `${url}/health: ${report.statusCode}${down.length ? ` (${down.join(', ')})` : ''}`,
  };
}

// Terminus names each indicator after its key; the orchestrator's database check is the one whose key says so.
function checkDatabase(health: HealthOutcome): DoctorCheck {
  if ('error' in health) return { name: 'database', ok: false, detail: 'unknown (the API did not answer)' };
  const database = checksOf(health.report).find(([key]) => /database|db|typeorm|sqlite|postgres/i.test(key));
  if (!database) return { name: 'database', ok: false, detail: 'not reported by /health' };
  const [key, indicator] = database;
  const extra = Object.entries(indicator)
    .filter(([field]) => field !== 'status')
    .map(([field, value]) => `${field} ${String(value)}`)
    .join(', ');
  return {
    name: 'database',
    ok: indicator.status === 'up',
    detail: `${key} ${indicator.status}${extra ? ` (${extra})` : ''}`,
  };
}

/** Redis through Sentinel (`REDIS_SENTINELS`, `REDIS_SENTINEL_MASTER`, …): the master they name answers PING. */
async function checkSentinelRedis(env: NodeJS.ProcessEnv): Promise<DoctorCheck> {
  try {
    const settings = readRedisSettings(new EnvReader({ ...env, REDIS_URL: undefined }));
    if (!isSentinelRedis(settings)) throw new Error('REDIS_SENTINELS is not set');
    const master = await pingSentinelMaster(settings);
    return { name: 'redis', ok: true, detail: `${describeRedis(settings)}: master ${master} answers PING` };
  } catch (error) {
    return { name: 'redis', ok: false, detail: (error as Error).message };
  }
}
