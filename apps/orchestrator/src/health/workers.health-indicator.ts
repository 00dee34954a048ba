import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import {
  validateWorkerHeartbeat,
  workerHeartbeatKey,
  workerHeartbeatsKey,
  type WorkerHeartbeat,
  type WorkersHealthView,
} from '@sc/schemas';
import type { Redis } from 'ioredis';
import { ORCHESTRATOR_CONFIG, type OrchestratorConfig } from '../config/orchestrator.config';
import { withTimeout } from '../queue/with-timeout';
import { probeConnection } from './probe-connection';

// /health is a liveness and readiness probe: the list comes within this or is shown as unknown.
const timeoutMs = 1_000;

/**
 * The `workers` part of `GET /health`: the workers whose heartbeat has not expired (`@sc/schemas`
 * `WorkerHeartbeat`), read on a connection of its own that never queues commands. Always up — no worker, or a
 * Redis that does not answer (the `redis` check reports that), never makes the orchestrator unhealthy.
 */
@Injectable()
export class WorkersHealthIndicator implements OnApplicationShutdown {
  private readonly redis: Redis;
  private connected?: Promise<void>;

  constructor(
    @Inject(ORCHESTRATOR_CONFIG) private readonly config: OrchestratorConfig,
    private readonly indicators: HealthIndicatorService,
  ) {
    this.redis = probeConnection(config, timeoutMs, 'workers health');
  }

  async list(): Promise<HealthIndicatorResult<'workers'>> {
    const indicator = this.indicators.check('workers');
    let view: Omit<WorkersHealthView, 'status'>;
    try {
      view = { processes: await withTimeout(this.read(), timeoutMs, 'workers list') };
    } catch (error) {
      view = { processes: [], message: (error as Error).message };
    }
    return indicator.up(view);
  }

  /** The live workers' records, by name; a record that breaks the schema is left out. */
  async read(): Promise<WorkerHeartbeat[]> {
    // Connected on first use, and waited for: the first probe is not refused for a connection under way.
    this.connected ??= this.redis.connect().catch(() => undefined);
    await this.connected;
    const names = (await this.redis.smembers(workerHeartbeatsKey(this.config.queuePrefix))).sort();
    if (names.length === 0) return [];
    // A name whose record expired (a killed worker's) reads as null; the workers' heartbeats drop such names.
    const records = await this.redis.mget(names.map((name) => workerHeartbeatKey(this.config.queuePrefix, name)));
    return records.flatMap((json) => {
      const record = parseHeartbeat(json);
      return record ? [record] : [];
    });
  }

  async onApplicationShutdown(): Promise<void> {
    this.redis.disconnect();
  }
}

/** A stored record as `GET /health` shows it: the fields this release knows, or undefined when it is not one. */
function parseHeartbeat(json: string | null): WorkerHeartbeat | undefined {
  if (json === null) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return undefined;
  }
  const checked = validateWorkerHeartbeat(value);
  if (!checked.ok) return undefined;
  const { name, hostname, pid, sandbox, sandbox_reason, concurrency, version, started_at, last_seen } = checked.value;
  return { name, hostname, pid, sandbox, sandbox_reason, concurrency, version, started_at, last_seen };
}
