import type { Report } from '@sc/schemas';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../../test/support/local-stack';
import { runSc } from './run-sc';

describe('sc run (no orchestrator, no Redis)', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sc-run-'));
    // Nothing listens on a port freePort() just released: any Redis or API use would fail.
    const closed = await freePort();
    env = {
      REDIS_URL: `redis://127.0.0.1:${closed}`,
      SC_API_URL: `http://127.0.0.1:${closed}`,
      SC_DATA_DIR: join(dir, 'data'),
      SC_LOG_DIR: join(dir, 'logs'),
    };
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs examples/echo.json to success and prints the Report', async () => {
    const { code, stdout, stderr } = await runSc(['run', 'examples/echo.json'], { env });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^▸ coding started$/m);
    expect(stdout).toMatch(/^✓ Round \S+ \(attempt 1\): success$/m);
    expect(stdout).toContain("summary     Echo these instructions back as the Round's summary.");
  });

  it('runs examples/shell.json: its commands in coding, its acceptance in testing, each phase with its log', async () => {
    const { code, stdout } = await runSc(['run', '--json', 'examples/shell.json'], { env });
    const report = JSON.parse(stdout) as Report;
    expect({ code, status: report.status, phases: report.phases.map((phase) => [phase.name, phase.status]) }).toEqual({
      code: 0,
      status: 'success',
      phases: [
        ['coding', 'success'],
        ['testing', 'success'],
      ],
    });
    const coding = readFileSync(
      fileURLToPath(report.artifacts.find((artifact) => artifact.name === 'coding.log')!.uri),
      'utf8',
    );
    expect(coding).toContain(`$ node --version\n${process.version}\n[exit 0]`);
  });

  it('prints only the Report with --json, with its artifact on disk and its log lines in SC_LOG_DIR', async () => {
    const { code, stdout } = await runSc(['run', 'examples/echo.json', '--json'], { env });
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as Report;
    expect(report).toMatchObject({ status: 'success', attempt: 1, phases: [{ name: 'coding', status: 'success' }] });
    const [artifact] = report.artifacts;
    expect(artifact.name).toBe('params.json');
    const path = fileURLToPath(artifact.uri);
    expect(path.startsWith(join(dir, 'data', 'artifacts'))).toBe(true);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ greeting: 'hello from Solar Circuit' });
    const logs = readdirSync(join(dir, 'logs'))
      .map((file) => readFileSync(join(dir, 'logs', file), 'utf8'))
      .join('');
    expect(logs).toContain(`"round_id":"${report.round_id}"`);
  });

  it('exits 1 with the Report when the Round does not succeed', async () => {
    const { code, stdout } = await runSc(['run', '--json', writeOrder(dir, { plugin: 'no-such-plugin' })], { env });
    expect(code).toBe(1);
    expect(JSON.parse(stdout)).toMatchObject({
      status: 'error',
      error: expect.stringContaining('unknown plugin "no-such-plugin"'),
    });
  });

  it('refuses an invalid work-order with exit 2 before running anything', async () => {
    const before = existsSync(join(dir, 'data', 'artifacts')) ? readdirSync(join(dir, 'data', 'artifacts')).length : 0;
    const { code, stderr } = await runSc(['run', writeOrder(dir, { priority: 0 })], { env });
    expect(code).toBe(2);
    expect(stderr).toMatch(/^invalid work-order: .*:\d+ \/priority: must be >= 1\n$/);
    expect(readdirSync(join(dir, 'data', 'artifacts'))).toHaveLength(before);
  });
});

function writeOrder(dir: string, extra: Record<string, unknown>): string {
  const file = join(dir, `order-${Object.keys(extra).join('-')}.json`);
  writeFileSync(
    file,
    JSON.stringify({ title: 'Offline', instructions: 'Run me locally.', phases: ['coding'], ...extra }, null, 2),
  );
  return file;
}
