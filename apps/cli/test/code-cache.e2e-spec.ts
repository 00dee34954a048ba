import { execFileSync } from 'node:child_process';
import Module from 'node:module';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../../test/support/local-stack';

// The cache is written when a process exits, so every case runs the built module in a process of its own.
const codeCacheModule = join(repoRoot, 'dist', 'apps', 'cli', 'src', 'code-cache.js');

describe('requireWithCodeCache', () => {
  let dir: string;
  let file: string;
  let cacheFile: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sc-code-cache-'));
    file = join(dir, 'answer.js');
    cacheFile = `${file}.v8cache`;
    writeFileSync(
      file,
      "exports.answer = 6 * 7;\nexports.dirname = __dirname;\nexports.sep = require('node:path').sep;\n",
    );
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** Loads `file` through requireWithCodeCache in a new process and returns what the module exports. */
  function loadInChild(): { answer: number; dirname: string; sep: string; sameAsRequire: boolean } {
    const script = `
      const { requireWithCodeCache } = require(${JSON.stringify(codeCacheModule)});
      const loaded = requireWithCodeCache(${JSON.stringify(file)}, ${JSON.stringify(cacheFile)});
      process.stdout.write(JSON.stringify({ ...loaded.exports, sameAsRequire: require(${JSON.stringify(file)}) === loaded.exports }));`;
    return JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }));
  }

  it('loads the module as require does: exports, __dirname, require, one require.cache entry', () => {
    expect(loadInChild()).toEqual({ answer: 42, dirname: dir, sep: '/', sameAsRequire: true });
  });

  it('writes the cache on the first run and uses it unchanged on the next', () => {
    expect(existsSync(cacheFile)).toBe(false);
    loadInChild();
    const written = statSync(cacheFile);
    expect(written.size).toBeGreaterThan(0);
    expect(loadInChild().answer).toBe(42);
    // A rejected cache is replaced by a new file (a rename); an accepted one is left as it was.
    expect(statSync(cacheFile).ino).toBe(written.ino);
  });

  it('replaces a cache V8 rejects and still loads the module', () => {
    writeFileSync(cacheFile, 'not a V8 code cache');
    expect(loadInChild().answer).toBe(42);
    expect(readFileSync(cacheFile, 'utf8')).not.toBe('not a V8 code cache');
    const rewritten = statSync(cacheFile);
    loadInChild();
    expect(statSync(cacheFile).ino).toBe(rewritten.ino);
  });
});

// Node 22+ caches every module through module.enableCompileCache, which bin/run.js turns on; Node 20 (this
// suite's other cases) has only the hand-made cache of the oclif bundle.
const compileCacheNode = typeof (Module as { enableCompileCache?: unknown }).enableCompileCache === 'function';
(compileCacheNode ? it : it.skip)(
  `sc keeps Node's compile cache in dist/.compile-cache (needs Node 22+; this is ${process.version})`,
  () => {
    const cacheDir = join(repoRoot, 'dist', '.compile-cache');
    rmSync(cacheDir, { recursive: true, force: true });
    execFileSync(process.execPath, [join(repoRoot, 'apps', 'cli', 'bin', 'run.js'), '--version']);
    expect(existsSync(cacheDir)).toBe(true);
  },
);
