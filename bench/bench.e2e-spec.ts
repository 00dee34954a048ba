import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

// A smoke run of `npm run bench` with the smallest sizes: it keeps the bench working (the agent-start measure
// adds a stack of its own, about 10 s, hence 130 s). Nothing here asserts
// on a timing; the figures only have to be there.
const repoRoot = resolve(__dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'sc-bench-smoke-'));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every leaf of `value` that is a number, by its path. */
function numbers(value: unknown, path = ''): Array<[string, unknown]> {
  if (value === null || typeof value !== 'object') return [[path, value]];
  return Object.entries(value).flatMap(([key, child]) => numbers(child, `${path}/${key}`));
}

describe('npm run bench', () => {
  it('prints one JSON line with every figure and writes the Markdown table (smoke sizes)', async () => {
    const results = join(dir, 'latest.md');
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [join(repoRoot, 'bench', 'run.js'), '--smoke', '--results', results],
      {
        cwd: repoRoot,
        timeout: 130_000,
      },
    );
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const result = JSON.parse(lines[0]);

    const figures = {
      baseline: result.baseline,
      throughput: result.throughput,
      latency: result.latency,
      api: result.api,
      scale_out: result.scale_out,
      footprint: result.footprint,
      ...(result.worktrees.skipped ? {} : { worktrees: result.worktrees }),
    };
    for (const [path, value] of numbers(figures)) {
      if (path.endsWith('/database')) continue;
      expect([path, Number.isFinite(value)]).toEqual([path, true]);
    }
    expect(result.baseline.jobs_per_s).toBeGreaterThan(0);
    expect(result.api.map((api: { database: string }) => api.database)).toEqual(
      process.env.PG_TEST_URL ? ['sqlite', 'postgres'] : ['sqlite'],
    );
    expect(result.scale_out.map((step: { processes: number }) => step.processes)).toEqual([1, 2, 4]);
    expect(result.targets.all.length).toBeGreaterThanOrEqual(7);
    for (const target of result.targets.all) expect(typeof target.met).toBe('boolean');
    expect(readFileSync(results, 'utf8')).toContain('| throughput / raw BullMQ |');
  }, 140_000);
});

describe('npm run bench -- --help', () => {
  const run = (...args: string[]) =>
    promisify(execFile)(process.execPath, [join(repoRoot, 'bench', 'run.js'), ...args], { cwd: repoRoot }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (error: { code: number; stdout: string; stderr: string }) => ({
        code: error.code,
        stdout: error.stdout,
        stderr: error.stderr,
      }),
    );

  it('describes every flag and size, exit code 0', async () => {
    const { code, stdout } = await run('--help');
    expect(code).toBe(0);
    for (const flag of [
      '--quick',
      '--smoke',
      '--concurrency N',
      '--results FILE',
      '-h, --help',
      'jobs                   5000 / 1000 / 20',
    ])
      expect(stdout).toContain(flag);
  });

  it('refuses a bad flag in one line, exit code 2', async () => {
    expect(await run('--jobs', 'many')).toEqual({
      code: 2,
      stdout: '',
      stderr: '--jobs: expected a positive integer, got "many" (--help lists the flags)\n',
    });
  });
});
