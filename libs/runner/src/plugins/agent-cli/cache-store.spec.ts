import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CacheStore } from './cache-store';

const key = (name: string) => createHash('sha256').update(name).digest('hex');

describe(CacheStore.name, () => {
  let root: string;
  let store: CacheStore;
  const onLockLost = jest.fn();

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'sc-cache-store-'));
    store = new CacheStore(join(root, 'caches'), 1024 ** 3, onLockLost);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  /** A folder of `files` files of `bytes` bytes each, every one holding `tag`. */
  function folder(name: string, tag: string, files = 3, bytes = 100): string {
    const dir = join(root, name);
    for (let i = 0; i < files; i++) {
      mkdirSync(join(dir, `pkg${i}`), { recursive: true });
      writeFileSync(join(dir, `pkg${i}`, 'index.js'), tag.padEnd(bytes, '.'));
    }
    return dir;
  }
  const read = (dir: string) => readFileSync(join(dir, 'pkg0', 'index.js'), 'utf8').replace(/\.+$/, '');

  it('misses an unknown key, then restores what was saved by copy and by a spare moved in, never the stored folder itself', async () => {
    const signal = new AbortController().signal;
    expect(await store.restore(key('a'), join(root, 'first'))).toBeUndefined();
    expect(existsSync(join(root, 'first'))).toBe(false);
    const built = folder('built', 'v1');
    await store.whileBuilding([key('a')], signal, () => store.save(key('a'), built));
    writeFileSync(join(built, 'pkg0', 'index.js'), 'changed after saving');

    expect(await store.restore(key('a'), join(root, 'copied'))).toBe(await store.clones());
    await store.prepareSpare(key('a'));
    expect(await store.restore(key('a'), join(root, 'moved'))).toBe('spare');
    // An agent changing its copy in place changes nothing stored.
    writeFileSync(join(root, 'moved', 'pkg0', 'index.js'), 'changed by an agent');
    expect(await store.restore(key('a'), join(root, 'again'))).toBe(await store.clones());
    for (const dir of ['copied', 'again']) expect(read(join(root, dir))).toBe('v1');
    expect(readdirSync(join(root, 'again')).sort()).toEqual(['pkg0', 'pkg1', 'pkg2']);
  });

  it('never hands the folder of one key to another', async () => {
    const signal = new AbortController().signal;
    await store.whileBuilding([key('a'), key('b')], signal, async () => {
      await store.save(key('a'), folder('a', 'lock a'));
      await store.save(key('b'), folder('b', 'lock b'));
    });
    await store.restore(key('a'), join(root, 'ra'));
    await store.restore(key('b'), join(root, 'rb'));
    expect([read(join(root, 'ra')), read(join(root, 'rb'))]).toEqual(['lock a', 'lock b']);
    expect(await store.restore(key('c'), join(root, 'rc'))).toBeUndefined();
  });

  it('evicts the least recently used entries once the store passes its bound, spares counted', async () => {
    const signal = new AbortController().signal;
    const save = (name: string) =>
      store.whileBuilding([key(name)], signal, () => store.save(key(name), folder(name, name, 10, 10_000)));
    await save('a');
    const [{ bytes }] = await store.entries();
    store = new CacheStore(join(root, 'caches'), 3 * bytes, onLockLost);
    await save('b');
    await store.restore(key('a'), join(root, 'use-a'));
    await save('c');
    expect((await store.entries()).map((entry) => entry.key).sort()).toEqual([key('a'), key('b'), key('c')].sort());
    // A spare of a counts: four copies no longer fit, b (least recently used) goes.
    await store.prepareSpare(key('a'));
    expect((await store.entries()).map((entry) => entry.key).sort()).toEqual([key('a'), key('c')].sort());
    expect(await store.restore(key('b'), join(root, 'use-b'))).toBeUndefined();
    expect(
      readdirSync(join(root, 'caches')).filter((name) => name.startsWith('.tmp-') || name.startsWith('.trash-')),
    ).toEqual([]);
  });

  it('lets one Round build a key while the others wait, and they then find it stored', async () => {
    const signal = new AbortController().signal;
    let builds = 0;
    const round = async (n: number) => {
      const target = join(root, `round-${n}`);
      if (await store.restore(key('a'), target)) return 'hit';
      return store.whileBuilding([key('a')], signal, async () => {
        if (await store.restore(key('a'), target)) return 'hit after waiting';
        builds++;
        await sleep(300); // an install that takes a while
        folder(`round-${n}`, `built by ${n}`);
        await store.save(key('a'), target);
        return 'built';
      });
    };
    const outcomes = await Promise.all([1, 2, 3, 4].map(round));
    expect(builds).toBe(1);
    expect(outcomes.sort()).toEqual(['built', 'hit after waiting', 'hit after waiting', 'hit after waiting']);
    const contents = [1, 2, 3, 4].map((n) => read(join(root, `round-${n}`)));
    expect(new Set(contents).size).toBe(1);
    expect(contents[0]).toMatch(/^built by \d$/);
  });

  it("stops waiting for another Round's build when its own Round is stopped", async () => {
    const building = new AbortController();
    let finishBuild!: () => void;
    let buildStarted!: () => void;
    const isBuilding = new Promise<void>((resolve) => (buildStarted = resolve));
    const first = store.whileBuilding([key('a')], building.signal, () => {
      buildStarted();
      return new Promise<void>((resolve) => (finishBuild = resolve));
    });
    // The first Round holds the key's build before the second asks for it (taking the lock is not instant).
    await isBuilding;
    const stop = new AbortController();
    const second = store.whileBuilding([key('a')], stop.signal, () => Promise.resolve('built twice'));
    stop.abort(new Error('phase setup timed out'));
    await expect(second).rejects.toThrow('phase setup timed out');
    finishBuild();
    await first;
  });
});
