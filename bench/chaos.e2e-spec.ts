import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { repoRoot } from '../test/support/local-stack';

// A short `npm run chaos` (on the built dist/): workers killed, orchestrator and a private Redis restarted,
// then every invariant checked by the script itself.
describe('npm run chaos', () => {
  it('keeps every invariant over a short run: all Rounds terminal, one Report each, nothing lost', async () => {
    const child = spawn(
      process.execPath,
      [join(repoRoot, 'bench', 'chaos.js'), '--rounds', '10', '--duration-ms', '12000', '--seed', '11'],
      {
        cwd: repoRoot,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];

    const lines = stdout.trim().split('\n');
    expect({ lines: lines.length, stderr }).toEqual({ lines: 1, stderr: '' });
    const result = JSON.parse(lines[0]) as { ok: boolean; did: Record<string, number>; found: Record<string, unknown> };
    expect(result.found).toMatchObject({
      terminal: 10,
      not_terminal: [],
      missing_report: [],
      duplicate_reports: [],
      lost_submits: 0,
    });
    expect(result.did.worker_kills + result.did.orchestrator_restarts + result.did.redis_restarts).toBeGreaterThan(0);
    expect(result.ok).toBe(true);
    expect(code).toBe(0);
  }, 120_000);

  it('refuses a bad flag with one line and exit code 2', async () => {
    const child = spawn(process.execPath, [join(repoRoot, 'bench', 'chaos.js'), '--rounds', 'many'], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    expect({ code, stderr }).toEqual({
      code: 2,
      stderr: '--rounds: expected an integer from 1 to 10000, got "many" (--help lists the flags)\n',
    });
  });

  it('--help describes every flag and a short run, exit code 0', async () => {
    const child = spawn(process.execPath, [join(repoRoot, 'bench', 'chaos.js'), '--help'], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
    for (const flag of [
      '--rounds N',
      '--duration-ms MS',
      '--workers N',
      '--seed N',
      '-h, --help',
      'PG_TEST_URL',
      'npm run chaos -- --rounds 10 --duration-ms 12000',
    ])
      expect(stdout).toContain(flag);
  });
});
