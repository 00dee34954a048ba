/* eslint-disable @typescript-eslint/no-explicit-any -- answers are checked by the assertions, not by types */
import { Queue } from 'bullmq';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createStackEnv,
  redisUrl,
  repoRoot,
  startOrchestrator,
  type OrchestratorProcess,
  type StackEnv,
} from '../../../../test/support/local-stack';
import { createTestDatabaseEnv } from '../../../../test/support/postgres';

/** An HTTP answer: status and parsed JSON body (undefined when the body was not JSON). */
export interface Answer<T = any> {
  status: number;
  body: T;
}

/** One test file's orchestrator: its own database (SQLite file, or a fresh Postgres database) and queue prefix. */
export interface OrchestratorStack {
  stack: StackEnv;
  orchestrator: OrchestratorProcess;
  /** A BullMQ queue of this stack's prefix (`workorders`, `reports`, `events`). */
  queue: (name: string) => Queue;
  call: <T = any>(
    method: string,
    path: string,
    options?: { body?: unknown; raw?: string; headers?: Record<string, string> },
  ) => Promise<Answer<T>>;
  close: () => Promise<void>;
}

/** `examples/echo.json`, the work-order every suite submits. */
export function echoOrder(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ...(JSON.parse(readFileSync(join(repoRoot, 'examples', 'echo.json'), 'utf8')) as Record<string, unknown>),
    ...overrides,
  };
}

/** Starts the built orchestrator (`npx tsc -b apps/orchestrator` first) with `extra` environment. */
export async function startOrchestratorStack(extra: NodeJS.ProcessEnv = {}): Promise<OrchestratorStack> {
  const database = await createTestDatabaseEnv();
  const stack = createStackEnv({ ...database.env, ...extra });
  const orchestrator = await startOrchestrator(stack);
  const queues = new Map<string, Queue>();
  const url = new URL(redisUrl);
  const queue = (name: string) => {
    let found = queues.get(name);
    if (!found) {
      found = new Queue(name, {
        connection: { host: url.hostname, port: Number(url.port || 6379) },
        prefix: stack.queuePrefix,
      });
      queues.set(name, found);
    }
    return found;
  };
  const call = async (
    method: string,
    path: string,
    options: { body?: unknown; raw?: string; headers?: Record<string, string> } = {},
  ) => {
    const headers: Record<string, string> = { ...options.headers };
    const body = options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
    if (body !== undefined) headers['content-type'] ??= 'application/json';
    const response = await fetch(`${orchestrator.url}${path}`, { method, headers, body });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: response.status, body: parsed as any };
  };
  const close = async () => {
    await Promise.all(
      [...queues.values()].map((q) =>
        q
          .obliterate({ force: true })
          .catch(() => undefined)
          .then(() => q.close()),
      ),
    );
    await orchestrator.stop();
    await database.drop();
    stack.cleanup();
  };
  return { stack, orchestrator, queue, call, close };
}
