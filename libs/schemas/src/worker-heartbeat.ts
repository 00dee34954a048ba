import type { JSONSchemaType } from 'ajv/dist/2020';

/**
 * How a worker confines agents, decided once at its start: `bubblewrap` (each agent in a sandbox of its own),
 * `off` (`SC_AGENT_SANDBOX=off`: unconfined on purpose, unsafe) or `unavailable` (no sandbox can be made on its
 * machine: agent work is refused).
 */
export type AgentSandboxMode = 'bubblewrap' | 'off' | 'unavailable';

/** Every {@link AgentSandboxMode}. */
export const AgentSandboxModes: readonly AgentSandboxMode[] = ['bubblewrap', 'off', 'unavailable'];

/**
 * What a worker process announces about itself in Redis ({@link workerHeartbeatKey}): written at its start and
 * every {@link WorkerHeartbeatTiming.intervalMs}, expiring {@link WorkerHeartbeatTiming.ttlMs} after the last
 * write (a killed worker disappears on its own), removed when it stops cleanly. `GET /health` lists them.
 */
export interface WorkerHeartbeat {
  /** `<hostname>:<pid>`, as the Reports and the Round's `worker` name it. */
  name: string;
  hostname: string;
  pid: number;
  /** How it confines agents. */
  sandbox: AgentSandboxMode;
  /** Why, in the words of the line it logged at start (for `unavailable`: what is missing). */
  sandbox_reason: string;
  /** `SC_WORKER_CONCURRENCY`: Rounds it runs at once. */
  concurrency: number;
  /** The Solar Circuit release it runs (the root package.json's `version`). */
  version: string;
  started_at: string;
  /** When it wrote this record, by its own clock. */
  last_seen: string;
}

/**
 * How often a worker writes its {@link WorkerHeartbeat}, and how long one lives unrenewed: three beats, so one slow
 * write (a busy event loop, a Redis hiccup) does not make a live worker vanish.
 */
export const WorkerHeartbeatTiming = {
  intervalMs: 5_000,
  ttlMs: 15_000,
} as const;

/**
 * The Redis set of the names of the workers that announced themselves (`<prefix>:workers`), after the queue
 * prefix like the queues' keys, so two stacks sharing one Redis see only their own workers. A name may outlive its
 * record (a killed worker's): readers skip those, and each worker's heartbeat removes them.
 */
export function workerHeartbeatsKey(queuePrefix: string): string {
  return `${queuePrefix}:workers`;
}

/** The Redis string holding one worker's {@link WorkerHeartbeat} as JSON (`<prefix>:worker:<name>`), with its TTL. */
export function workerHeartbeatKey(queuePrefix: string, name: string): string {
  return `${queuePrefix}:worker:${name}`;
}

/**
 * JSON Schema of {@link WorkerHeartbeat}: a record read from Redis is checked before `GET /health` shows it. Fields
 * it does not know are let through (and left out of what is shown): during a rolling upgrade a newer worker's
 * record may carry more, and that worker must still be listed.
 */
export const workerHeartbeatSchema: JSONSchemaType<WorkerHeartbeat> = {
  type: 'object',
  additionalProperties: true,
  required: [
    'name',
    'hostname',
    'pid',
    'sandbox',
    'sandbox_reason',
    'concurrency',
    'version',
    'started_at',
    'last_seen',
  ],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 255 },
    hostname: { type: 'string', minLength: 1, maxLength: 255 },
    pid: { type: 'integer', minimum: 1 },
    sandbox: { type: 'string', enum: [...AgentSandboxModes] },
    sandbox_reason: { type: 'string', maxLength: 1000 },
    concurrency: { type: 'integer', minimum: 1 },
    version: { type: 'string', maxLength: 64 },
    started_at: { type: 'string', format: 'date-time' },
    last_seen: { type: 'string', format: 'date-time' },
  },
};
