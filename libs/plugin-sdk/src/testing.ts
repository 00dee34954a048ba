import type { ArtifactRef, StoredWorkOrder } from '@sc/schemas';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bindExec } from './exec';
import { createPluginLogger, type PluginContext, type PluginLogLevel, type UsageReport } from './plugin-context';

/** Options of {@link createTestContext}; everything has a default. */
export interface TestContextOptions {
  /** Default `coding`. */
  phase?: string;
  /** Default 1. */
  attempt?: number;
  /** Default `round-test`. */
  roundId?: string;
  /** Default `wo-test`. */
  workorderId?: string;
  /** Aborts `ctx.signal` after this many milliseconds, like a phase timeout (reason: a `TimeoutError`). */
  timeoutMs?: number;
  /** Milliseconds `ctx.exec` waits between SIGTERM and SIGKILL (default 5000). */
  killGraceMs?: number;
  /** `ctx.dataDir`; default a fresh temporary folder that `dispose()` removes. */
  dataDir?: string;
  /** `ctx.followUp`: what the attempt asks besides the work-order (a review, a failed check); default none. */
  followUp?: string;
  /** `ctx.openModelRoute`; without it the context has no model gateway and the call rejects. */
  openModelRoute?: PluginContext['openModelRoute'];
}

/** One line a plugin logged through a test context. */
export interface LoggedLine {
  level: PluginLogLevel;
  message: string;
  fields: Record<string, unknown>;
}

/** A {@link PluginContext} that records what the plugin did, for assertions. */
export interface TestContext extends PluginContext {
  /** Every `reportTokens()` call, in order. */
  readonly tokens: UsageReport[];
  /** Every artifact written, by name (kept in memory, never on disk). */
  readonly artifacts: Map<string, Buffer>;
  /** Every line logged. */
  readonly logs: LoggedLine[];
  /** Aborts `ctx.signal`, like a cancel request. */
  abort(reason?: unknown): void;
  /** Stops the `timeoutMs` timer and removes the temporary `dataDir` it created; call it in `afterEach`. */
  dispose(): void;
}

/**
 * A context for unit-testing a plugin without a worker, Redis or disk artifacts:
 * ```ts
 * const ctx = createTestContext({ phase: 'coding', timeoutMs: 50 });
 * const outcome = await plugin.handle(createTestWorkOrder({ instructions: 'hi' }), ctx);
 * ```
 * `exec` is the real one: it starts real processes and kills their group when the signal aborts.
 */
export function createTestContext(options: TestContextOptions = {}): TestContext {
  const controller = new AbortController();
  const timer =
    options.timeoutMs === undefined
      ? undefined
      : setTimeout(
          () => controller.abort(new DOMException(`phase timed out after ${options.timeoutMs} ms`, 'TimeoutError')),
          options.timeoutMs,
        );
  const ownDataDir = options.dataDir === undefined ? mkdtempSync(join(tmpdir(), 'sc-test-data-')) : undefined;
  const tokens: UsageReport[] = [];
  const artifacts = new Map<string, Buffer>();
  const logs: LoggedLine[] = [];
  return {
    phase: options.phase ?? 'coding',
    attempt: options.attempt ?? 1,
    roundId: options.roundId ?? 'round-test',
    workorderId: options.workorderId ?? 'wo-test',
    signal: controller.signal,
    dataDir: options.dataDir ?? ownDataDir!,
    ...(options.followUp === undefined ? {} : { followUp: options.followUp }),
    logger: createPluginLogger((level, message, fields) => logs.push({ level, message, fields })),
    tokens,
    artifacts,
    logs,
    reportTokens: (usage) => void tokens.push({ ...usage }),
    // Each report as made, not summed per agent and model as a host does: sums come out the same.
    tokenUsage: () => tokens.map((usage) => ({ ...usage })),
    writeArtifact: async (name, data): Promise<ArtifactRef> => {
      const bytes = Buffer.from(data);
      artifacts.set(name, bytes);
      return {
        name,
        uri: `memory:${name}`,
        bytes: bytes.length,
        sha256: createHash('sha256').update(bytes).digest('hex'),
      };
    },
    exec: bindExec(controller.signal, options.killGraceMs),
    readArtifact: async (attempt, name) => (attempt === (options.attempt ?? 1) ? artifacts.get(name) : undefined),
    openModelRoute:
      options.openModelRoute ??
      (() => Promise.reject(new Error('this test context has no model gateway: pass openModelRoute'))),
    abort: (reason) => controller.abort(reason),
    dispose: () => {
      clearTimeout(timer);
      if (ownDataDir) rmSync(ownDataDir, { recursive: true, force: true });
    },
  };
}

/** A stored work-order (defaults filled in) for plugin tests; pass the fields the plugin reads. */
export function createTestWorkOrder(fields: Partial<StoredWorkOrder> = {}): StoredWorkOrder {
  return {
    id: 'wo-test',
    title: 'Test work-order',
    instructions: 'Do the thing.',
    plugin: 'test',
    branch: 'feat/wo-20250101-test',
    phases: ['coding', 'testing'],
    priority: 5,
    ...fields,
  };
}
