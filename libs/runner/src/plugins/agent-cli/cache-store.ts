import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { lock } from 'proper-lockfile';

/** How a cached folder reached a worktree: a ready spare copy moved in, a copy-on-write clone, or a copy. */
export type RestoreMethod = 'spare' | 'reflink' | 'copy';

const run = promisify(execFile);
// Names of entries: a key is a sha256 in hex. Anything else in the root is a lock, a temporary or trash.
const keyPattern = /^[0-9a-f]{64}$/;
// A holder refreshes its lock every half of this; the lock of a worker killed with -9 goes stale after it.
const lockStaleMs = 30_000;
// How often a Round waiting for another to build the same key looks again.
const buildPollMs = 250;
// A temporary copy this old belongs to a process that died while copying.
const abandonedMs = 60 * 60_000;

// Spare copies this process is making, which run on after their Round (see CacheStore.prepareSpare).
const sparesInFlight = new Set<Promise<void>>();

/** Resolves once the spare copies this process started are made: a short-lived process (`sc run`) waits for them. */
export async function spareCopiesMade(): Promise<void> {
  // Failures are the caller's of prepareSpare to report.
  await Promise.allSettled(sparesInFlight);
}

/**
 * The folders setups produce (`node_modules`, `.venv`), kept per key under `root` on this host and shared by
 * every worker process using the same data folder.
 *
 * `<root>/<key>/content` is the stored folder, never handed out; `<root>/<key>/spare-*` are copies ready to be
 * moved into a worktree by one rename (atomic: two Rounds can never take the same one), made again after the
 * Round that took one. Without a spare, a restore copies `content` — copy-on-write where the
 * filesystem can (`cp --reflink=auto`), a plain copy where it cannot. Hard links are never used: an agent
 * writing a file in place would change the stored one. Entries are published by renaming a finished copy
 * into place, so a reader never sees half of one; eviction renames an entry away before deleting it, and a
 * copy that loses its source that way fails and is treated as a miss.
 */
export class CacheStore {
  private cloneMethod: Promise<'reflink' | 'copy'> | undefined;
  // Keys this process is making a spare of.
  private readonly preparing = new Set<string>();

  constructor(
    readonly root: string,
    /** `SC_CACHE_MAX_GB` in bytes: past it, the least recently used entries go. */
    private readonly maxBytes: number,
    /** Told when a lock of the store was taken from this process (it stalled past the staleness). */
    private readonly onLockLost: (error: Error) => void,
  ) {}

  /** How this host's filesystem copies: probed once, by asking for a copy-on-write clone of a small file. */
  clones(): Promise<'reflink' | 'copy'> {
    this.cloneMethod ??= (async () => {
      await mkdir(this.root, { recursive: true });
      const probe = join(this.root, `.tmp-probe-${randomBytes(4).toString('hex')}`);
      await writeFile(probe, 'probe');
      try {
        await copyFile(probe, `${probe}.clone`, constants.COPYFILE_FICLONE_FORCE);
        return 'reflink' as const;
      } catch {
        return 'copy' as const;
      } finally {
        await Promise.all([rm(probe, { force: true }), rm(`${probe}.clone`, { force: true })]);
      }
    })();
    return this.cloneMethod;
  }

  /**
   * Puts the folder stored under `key` at `target` (which must not exist): how it got there, or undefined on a
   * miss. A hit counts as a use for the least-recently-used order.
   */
  async restore(key: string, target: string, signal?: AbortSignal): Promise<RestoreMethod | undefined> {
    const entry = join(this.root, key);
    const spares = await readdir(entry).then(
      (names) => names.filter((name) => name.startsWith('spare-')),
      () => [],
    );
    for (const spare of spares) {
      const moved = await rename(join(entry, spare), target).then(
        () => true,
        (error: NodeJS.ErrnoException) => {
          // Taken by another Round meanwhile; EXDEV (worktrees on another filesystem) copies instead.
          if (error.code === 'ENOENT' || error.code === 'EXDEV') return false;
          throw error;
        },
      );
      if (moved) return this.touched(entry, 'spare');
    }
    try {
      await copyFolder(join(entry, 'content'), target, signal);
    } catch (error) {
      await rm(target, { recursive: true, force: true });
      // No entry (a miss), or evicted while copying: both are a miss, unless the Round was stopped.
      if (signal?.aborted) throw error;
      return undefined;
    }
    return this.touched(entry, await this.clones());
  }

  /**
   * Runs `build` holding the build lock of each key: on this host one Round builds a key at a time, and the
   * others wait here (until `signal` aborts) and then find it stored. Keys are locked in one order, so two
   * Rounds needing overlapping keys cannot wait for each other.
   */
  async whileBuilding<T>(keys: readonly string[], signal: AbortSignal, build: () => Promise<T>): Promise<T> {
    await mkdir(this.root, { recursive: true });
    const releases: (() => Promise<void>)[] = [];
    try {
      for (const key of [...new Set(keys)].sort()) releases.push(await this.lockKey(key, signal));
      return await build();
    } finally {
      for (const release of releases.reverse()) await release();
    }
  }

  /**
   * Stores a copy of `source` under `key` (call it inside {@link whileBuilding}), then evicts the least recently
   * used entries while the store is past its bound.
   */
  async save(key: string, source: string, signal?: AbortSignal): Promise<void> {
    const partial = join(this.root, `.tmp-${randomBytes(6).toString('hex')}`);
    try {
      await mkdir(partial, { recursive: true });
      await copyFolder(source, join(partial, 'content'), signal);
      await writeFile(
        join(partial, 'meta.json'),
        JSON.stringify({ bytes: await diskBytes(join(partial, 'content'), signal) }),
      );
      await rename(partial, join(this.root, key)).catch((error: NodeJS.ErrnoException) => {
        // Stored already (a build lock that went stale let a second Round build it): the first one stays.
        if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
      });
    } finally {
      await rm(partial, { recursive: true, force: true });
    }
    await this.evict(key);
  }

  /**
   * Makes a spare copy of `key`'s entry when it has none (and this process is not making one), so that the
   * next restore is one rename.
   */
  prepareSpare(key: string): Promise<void> {
    const made = this.makeSpare(key).finally(() => sparesInFlight.delete(made));
    sparesInFlight.add(made);
    return made;
  }

  private async makeSpare(key: string): Promise<void> {
    const entry = join(this.root, key);
    const names = await readdir(entry).catch(() => undefined);
    if (!names?.includes('content') || names.some((name) => name.startsWith('spare-')) || this.preparing.has(key))
      return;
    this.preparing.add(key);
    // In the root, not the entry: what a process killed while copying leaves is swept with the other temporaries.
    const partial = join(this.root, `.tmp-${randomBytes(6).toString('hex')}`);
    try {
      await copyFolder(join(entry, 'content'), partial);
      await rename(partial, join(entry, `spare-${randomBytes(6).toString('hex')}`));
    } catch {
      // Evicted meanwhile: nothing to prepare.
    } finally {
      this.preparing.delete(key);
      await rm(partial, { recursive: true, force: true });
    }
    await this.evict(key);
  }

  /** The entries, their size on disk counting spares, and their last use; for eviction and tests. */
  async entries(): Promise<{ key: string; bytes: number; usedAt: number }[]> {
    const names = await readdir(this.root).catch(() => []);
    const entries = await Promise.all(
      names
        .filter((name) => keyPattern.test(name))
        .map(async (key) => {
          try {
            const meta = join(this.root, key, 'meta.json');
            const [{ bytes }, { mtimeMs }, files] = await Promise.all([
              readFile(meta, 'utf8').then((text) => JSON.parse(text) as { bytes: number }),
              stat(meta),
              readdir(join(this.root, key)),
            ]);
            return {
              key,
              bytes: bytes * (1 + files.filter((name) => name.startsWith('spare-')).length),
              usedAt: mtimeMs,
            };
          } catch {
            return undefined; // evicted meanwhile
          }
        }),
    );
    return entries.filter((entry) => entry !== undefined);
  }

  /**
   * Removes least recently used entries until the store fits its bound (`keep`, just stored, goes last),
   * and what killed processes left half made. One eviction at a time on the host.
   */
  private async evict(keep: string): Promise<void> {
    const release = await lock(join(this.root, '.evict'), {
      realpath: false,
      stale: lockStaleMs,
      retries: { retries: 100, minTimeout: 20, maxTimeout: 200 },
      onCompromised: this.onLockLost,
    });
    try {
      const entries = (await this.entries()).sort(
        (a, b) => Number(a.key === keep) - Number(b.key === keep) || a.usedAt - b.usedAt,
      );
      let total = entries.reduce((sum, entry) => sum + entry.bytes, 0);
      for (const entry of entries) {
        if (total <= this.maxBytes) break;
        const trash = join(this.root, `.trash-${randomBytes(6).toString('hex')}`);
        await rename(join(this.root, entry.key), trash);
        await rm(trash, { recursive: true, force: true });
        total -= entry.bytes;
      }
      await this.removeAbandoned();
    } finally {
      await release();
    }
  }

  private async removeAbandoned(): Promise<void> {
    for (const name of await readdir(this.root)) {
      if (!name.startsWith('.tmp-') && !name.startsWith('.trash-')) continue;
      const path = join(this.root, name);
      const { mtimeMs } = await stat(path).catch(() => ({ mtimeMs: Date.now() }));
      if (name.startsWith('.trash-') || Date.now() - mtimeMs > abandonedMs)
        await rm(path, { recursive: true, force: true });
    }
  }

  private async lockKey(key: string, signal: AbortSignal): Promise<() => Promise<void>> {
    for (;;) {
      try {
        // One path per lock (`<key>.lock`): proper-lockfile keeps one lock per path in a process.
        return await lock(join(this.root, key), {
          realpath: false,
          stale: lockStaleMs,
          retries: 0,
          onCompromised: this.onLockLost,
        });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error;
      }
      // Rejects with the phase's own reason (its timeout, a cancel), not a bare AbortError.
      await sleep(buildPollMs, undefined, { signal }).catch(() => signal.throwIfAborted());
    }
  }

  private async touched<T>(entry: string, method: T): Promise<T> {
    const now = new Date();
    await utimes(join(entry, 'meta.json'), now, now).catch(() => undefined);
    return method;
  }
}

/** Copies folder `source` to `target` (which must not exist) with its modes, times and links. */
async function copyFolder(source: string, target: string, signal?: AbortSignal): Promise<void> {
  await run('cp', ['-a', '--reflink=auto', '--', source, target], { signal });
}

/** Bytes the folder takes on disk (`du`; shared copy-on-write extents count for each copy). */
async function diskBytes(folder: string, signal?: AbortSignal): Promise<number> {
  const { stdout } = await run('du', ['-s', '-B1', '--', folder], { signal });
  return Number(stdout.split('\t')[0]);
}
