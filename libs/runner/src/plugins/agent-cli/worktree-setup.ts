import type { PluginContext } from '@sc/plugin-sdk';
import type { CacheEntry, StoredWorkOrder } from '@sc/schemas';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { agentSandbox, scratchDirOf } from './agent-sandbox';
import type { AgentRuntimes } from './agent-runtimes';
import type { CacheStore, RestoreMethod } from './cache-store';
import { runCommandLines, type CommandLinesRun } from './command-lines';
import type { Repository } from './repository';
import { loadSetupConfig } from './setup-config';
import { insideWorktree, readWorktreeFile } from './worktree-files';
import type { Worktree } from './worktree';
import { runWorktreeGit } from './worktree-git';

/** How one worktree's setup went. */
export interface WorktreeSetup {
  worktree: Worktree;
  /** One line for the summary: what was restored, run and stored. */
  summary: string;
  /** The setup commands, when they ran; they stop at the first that fails. */
  commands?: CommandLinesRun & { of: number };
}

/** A cache entry of this worktree: where its folder goes and the key it is stored under. */
interface KeyedCache extends CacheEntry {
  key: string;
  target: string;
}

// Lock files are large (a package-lock.json of a few MB), never this large.
const maxKeyFileBytes = 256 * 1024 * 1024;

/**
 * Sets up a new worktree before its agent's first phase: each cache that hits is restored without running
 * anything; when every cache hits, that is all. Otherwise the setup commands run — once per key on this host at
 * a time: a Round needing a key another Round is building waits for it and then restores it — and each cache
 * they made is stored for the next Round. Undefined when there is nothing to set up, or this attempt already
 * set the worktree up (a run of it that a dead worker left).
 */
export async function setUpWorktree(
  worktree: Worktree,
  order: StoredWorkOrder,
  repository: Repository,
  runtimes: AgentRuntimes,
  ctx: PluginContext,
): Promise<WorktreeSetup | undefined> {
  const done = join(scratchDirOf(worktree), 'setup-done');
  if (existsSync(done)) return undefined;
  const { steps, caches } = await loadSetupConfig(order, worktree.path);
  if (steps.length === 0 && caches.length === 0) return undefined;
  const store = runtimes.cacheStore(ctx);
  const keyed: KeyedCache[] = [];
  for (const [index, cache] of caches.entries())
    keyed.push({
      ...cache,
      key: await cacheKey(cache, index, steps, repository, worktree.path),
      target: await cacheTarget(cache, index, worktree, ctx),
    });
  runtimes.usedCaches(
    worktree,
    keyed.map((cache) => cache.key),
  );
  const restored = new Map<string, RestoreMethod>();
  const restore = async (caches: KeyedCache[]) => {
    for (const cache of caches) {
      const method = await store.restore(cache.key, cache.target, ctx.signal);
      if (!method) continue;
      restored.set(cache.path, method);
      ctx.logger.info({ agent: worktree.agent.name, path: cache.path, method }, 'cache restored');
    }
    return caches.filter((cache) => !restored.has(cache.path));
  };
  const missing = await restore(keyed);
  let commands: WorktreeSetup['commands'];
  const stored: string[] = [];
  if (keyed.length === 0 || missing.length > 0) {
    await store.whileBuilding(
      missing.map((cache) => cache.key),
      ctx.signal,
      async () => {
        // Another Round may have stored them while this one waited for their lock.
        const still = await restore(missing);
        if (keyed.length > 0 && still.length === 0) return;
        const env = await runtimes.env(worktree, ctx);
        // Setup installs: the network is open whatever the agents' sandbox says; the Round's limits stay.
        const sandbox = await agentSandbox(worktree, scratchDirOf(worktree), {
          ...order,
          sandbox: { ...order.sandbox, network: 'open' },
        });
        commands = { ...(await runCommandLines(worktree, steps, sandbox, env, ctx)), of: steps.length };
        if (commands.exitCode !== 0) return;
        for (const cache of still) if (await saveCache(cache, store, worktree, ctx)) stored.push(cache.path);
      },
    );
  }
  if (commands === undefined || commands.exitCode === 0) {
    await mkdir(dirname(done), { recursive: true });
    await writeFile(done, '');
  }
  return { worktree, summary: describe(worktree, restored, commands, stored), ...(commands ? { commands } : {}) };
}

/**
 * The key of a cache: the repository, the path, the setup steps, the platform, and each key file's content.
 * Two Rounds share a cached folder only when all of these are the same.
 */
async function cacheKey(
  cache: CacheEntry,
  index: number,
  steps: readonly string[],
  repository: Repository,
  root: string,
): Promise<string> {
  const hash = createHash('sha256').update(
    JSON.stringify({
      repository: repository.gitDir,
      path: cache.path,
      steps,
      platform: `${process.platform}-${process.arch}`,
    }),
  );
  for (const file of cache.key_files) {
    const bytes = await readWorktreeFile(root, file, maxKeyFileBytes, `cache[${index}].key_files`);
    if (bytes === undefined) throw new Error(`cache[${index}].key_files: ${file} is not in the worktree`);
    hash.update(`\u0000${file}\u0000${bytes.length}\u0000`).update(bytes);
  }
  return hash.digest('hex');
}

/** Where a cache's folder goes in the worktree; what a dead run of this attempt left there is removed. */
async function cacheTarget(cache: CacheEntry, index: number, worktree: Worktree, ctx: PluginContext): Promise<string> {
  const what = `cache[${index}].path`;
  const { path, stats } = await insideWorktree(worktree.path, cache.path, what);
  if (stats !== undefined) {
    const tracked = await runWorktreeGit(ctx, worktree, ['ls-files', '--', `:(literal)${cache.path}`]);
    if (tracked !== '')
      throw new Error(
        `${what}: ${cache.path} is in the repository; a cache is a folder git does not track (node_modules, .venv)`,
      );
    await rm(path, { recursive: true, force: true });
  }
  await mkdir(dirname(path), { recursive: true });
  return path;
}

/** Stores the folder setup made for `cache`; false (and a warning) when setup made none. */
async function saveCache(
  cache: KeyedCache,
  store: CacheStore,
  worktree: Worktree,
  ctx: PluginContext,
): Promise<boolean> {
  const { stats } = await insideWorktree(worktree.path, cache.path, 'cache path');
  if (!stats?.isDirectory()) {
    ctx.logger.warn(
      { agent: worktree.agent.name, path: cache.path },
      'setup made no folder at the cache path: nothing stored',
    );
    return false;
  }
  await store.save(cache.key, cache.target, ctx.signal);
  return true;
}

function describe(
  worktree: Worktree,
  restored: ReadonlyMap<string, RestoreMethod>,
  commands: WorktreeSetup['commands'],
  stored: readonly string[],
): string {
  const parts = [...restored].map(([path, method]) => `${path} restored (${method})`);
  if (commands && commands.exitCode !== 0)
    parts.push(`setup command ${commands.ran} of ${commands.of} exited ${commands.exitCode ?? 'by signal'}`);
  else if (commands) parts.push(`${commands.of} setup command(s) passed`);
  if (stored.length > 0) parts.push(`${stored.join(', ')} stored`);
  return `${worktree.agent.name}: ${parts.join('; ')}`;
}
