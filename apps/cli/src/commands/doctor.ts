import { Flags } from '@oclif/core';
import { BaseCommand } from '../base-command';
import { loadPlugins, pluginsFlag } from '../plugin-discovery';
import { pingRedis, pingSentinelMaster } from '../redis-ping';
import { describeRedis, EnvReader, isSentinelRedis, readRedisSettings, withoutPassword } from '@sc/infrastructure';
import type { HealthReport } from '../api-client';

/** One check: its name, whether it passed, and what was found. */
export interface DoctorCheck {
  name: string;
  ok: boolean;
  detail: string;
}

/** What `sc doctor --json` prints. */
export interface DoctorResult {
  ok: boolean;
  checks: DoctorCheck[];
}

// The Node version the design requires (root package.json "engines").
const minimumNode = [20, 19] as const;

export default class Doctor extends BaseCommand<typeof Doctor> {
  static override summary =
    'Check this machine and the stack: Node, Redis, the API, its database, the plugins, the agent sandbox.';
  static override description = 'One line per check, ✓ or ✗. Exits 1 when any check fails.';
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
    ];
    // Output gets pasted into issues; REDIS_URL and the API URL (also inside error messages) may hold a password.
    const checks = found.map((check) => ({ ...check, detail: withoutPassword(check.detail) }));
    for (const check of checks) this.log(`${check.ok ? '✓' : '✗'} ${check.name}: ${check.detail}`);
    const ok = checks.every((check) => check.ok);
    if (!ok) this.markFailed();
    return { ok, checks };
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

/**
 * How a worker started here would confine agents (each worker logs its own at start and exports
 * `worker_agent_sandbox{mode}`): fails only when agent work would be refused.
 */
async function checkSandbox(): Promise<DoctorCheck> {
  const { SandboxRuntime } = await import('@sc/runner');
  try {
    const { mode, reason } = SandboxRuntime.load(process.env, process.env.SC_DATA_DIR ?? './data');
    return {
      name: 'sandbox',
      ok: mode !== 'unavailable',
      detail: `${mode}: ${mode === 'unavailable' ? `agent work is refused (${reason})` : reason}`,
    };
  } catch (error) {
    return { name: 'sandbox', ok: false, detail: (error as Error).message };
  }
}

type HealthOutcome = { report: HealthReport } | { error: string };

function checkApi(url: string, health: HealthOutcome): DoctorCheck {
  if ('error' in health) return { name: 'api', ok: false, detail: health.error };
  return { name: 'api', ok: health.report.status === 'ok', detail: `${url}/health: ${health.report.status}` };
}

// Terminus names each indicator after its key; the orchestrator's database check is the one whose key says so.
function checkDatabase(health: HealthOutcome): DoctorCheck {
  if ('error' in health) return { name: 'database', ok: false, detail: 'unknown (the API did not answer)' };
  const entries = Object.entries({ ...health.report.details, ...health.report.info, ...health.report.error });
  const database = entries.find(([key]) => /database|db|typeorm|sqlite|postgres/i.test(key));
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
