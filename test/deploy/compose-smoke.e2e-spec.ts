import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../../scripts/compose-file';

/**
 * The CI stand-in for `docker compose up`: scripts/compose-smoke.sh runs the containers' commands with their
 * compose environment against this machine's Redis/Postgres and an s3rver, and submits examples/echo.json.
 * `npm test` has built dist/ already, hence `--no-build`.
 */
describe('scripts/compose-smoke.sh', () => {
  it('starts the orchestrator and a worker as the compose file does, and they run an echo Round to success', async () => {
    const child = spawn('bash', [join(repoRoot, 'scripts', 'compose-smoke.sh'), '--no-build'], {
      cwd: repoRoot,
      env: process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect({ code, output: code === 0 ? '' : output }).toEqual({ code: 0, output: '' });
    expect(output).toMatch(/compose-smoke: report: success/);
    expect(output).toMatch(/compose-smoke: artifact: s3:\/\/sc-artifacts\/.*sha256 matches/);
    expect(output).toMatch(/compose-smoke: ok\n/);
  }, 150_000);
});
