import type { PluginContext } from '@sc/plugin-sdk';
import { lstat, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AgentCliSettings } from './agent-cli-settings';
import { CacheStore } from './cache-store';
import { envTemplateFile, renderEnvTemplate } from './env-template';
import { PortBlocks, type PortBlock } from './port-blocks';
import { readWorktreeFile } from './worktree-files';
import type { Worktree } from './worktree';

// A template is a short text; the worker reads it with its own rights.
const maxTemplateBytes = 64 * 1024;

/**
 * What each running agent has of this host beside its worktree: a block of ports no other running agent has
 * (`SC_PORT_BASE`, `SC_PORT_COUNT`), its `.env` rendered from the repository's `.sc/env.template`, and the
 * cache entries its worktree came from. Kept in this process from the Round's setup to its end; a worker that
 * dies frees its ports when their locks go stale.
 */
export class AgentRuntimes {
  /** By worktree path: the agent's ports, and the cache entries its worktree was set up from. */
  private readonly ports = new Map<string, PortBlock>();
  private readonly cacheKeys = new Map<string, string[]>();
  private readonly blocks: PortBlocks;
  private readonly stores = new Map<string, CacheStore>();

  constructor(private readonly settings: AgentCliSettings) {
    this.blocks = new PortBlocks(settings.portCount);
  }

  /** The setup caches of the data folder the Round runs with (`<dataDir>/caches`). */
  cacheStore(ctx: Pick<PluginContext, 'dataDir' | 'logger'>): CacheStore {
    let store = this.stores.get(ctx.dataDir);
    if (!store) {
      const onLockLost = (error: Error) => ctx.logger.warn({ reason: error.message }, 'cache lock lost');
      this.stores.set(
        ctx.dataDir,
        (store = new CacheStore(join(ctx.dataDir, 'caches'), this.settings.cacheMaxBytes, onLockLost)),
      );
    }
    return store;
  }

  /**
   * The variables of the agent's commands (its CLI, setup, acceptance): where it runs, and its block of ports,
   * taken on the first call.
   */
  async env(worktree: Worktree, ctx: PluginContext): Promise<Record<string, string>> {
    let ports = this.ports.get(worktree.path);
    if (!ports) {
      ports = await this.blocks.acquire((error) =>
        ctx.logger.warn({ agent: worktree.agent.name, reason: error.message }, 'port block lock lost'),
      );
      this.ports.set(worktree.path, ports);
      ctx.logger.info(
        { agent: worktree.agent.name, port_base: ports.base, port_count: ports.count },
        'agent ports taken',
      );
    }
    return {
      SC_AGENT: worktree.agent.name,
      SC_PHASE: ctx.phase,
      SC_WORKORDER_ID: ctx.workorderId,
      SC_ROUND_ID: ctx.roundId,
      SC_PORT_BASE: String(ports.base),
      SC_PORT_COUNT: String(ports.count),
    };
  }

  /** Writes the worktree's `.env` from the repository's `.sc/env.template`; false when it has none. */
  async writeEnvFile(worktree: Worktree, ctx: PluginContext): Promise<boolean> {
    const template = await readWorktreeFile(worktree.path, envTemplateFile, maxTemplateBytes);
    if (template === undefined) return false;
    const { SC_PORT_BASE, SC_PORT_COUNT } = await this.env(worktree, ctx);
    const values = {
      SC_PORT_BASE: Number(SC_PORT_BASE),
      SC_PORT_COUNT: Number(SC_PORT_COUNT),
      SC_ROUND_ID: ctx.roundId,
      SC_AGENT: worktree.agent.name,
      SC_WORKORDER_ID: ctx.workorderId,
    };
    const path = join(worktree.path, '.env');
    if ((await lstat(path).catch(() => undefined))?.isDirectory())
      throw new Error(`${envTemplateFile}: .env is a folder in the repository`);
    // A committed .env is replaced, never written through: it may be a link pointing anywhere.
    await rm(path, { force: true });
    await writeFile(path, renderEnvTemplate(template, values), { flag: 'wx' });
    return true;
  }

  /** Remembers the cache entries the agent's worktree was set up from. */
  usedCaches(worktree: Worktree, keys: readonly string[]): void {
    this.cacheKeys.set(worktree.path, [...keys]);
  }

  /**
   * Gives the agent's ports back and starts making a spare of each cache entry it used, for the next Round. The
   * copies run on after the Round: a large folder on a slow disk takes longer than a Round's end may.
   */
  async release(worktree: Worktree, ctx: PluginContext): Promise<void> {
    const [ports, keys] = [this.ports.get(worktree.path), this.cacheKeys.get(worktree.path) ?? []];
    this.ports.delete(worktree.path);
    this.cacheKeys.delete(worktree.path);
    await ports?.release();
    const store = this.cacheStore(ctx);
    for (const key of keys)
      void store
        .prepareSpare(key)
        .catch((error: Error) => ctx.logger.warn({ reason: error.message }, 'cache spare not made'));
  }
}
