import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../../test/support/local-stack';

// The README puts `sc` on the PATH with `npm link`; this does the same into a throw-away npm prefix and runs
// the command from a folder that has nothing to do with this checkout (where `sc commit` is meant to be used).
describe('sc installed with npm link', () => {
  let prefix: string;
  let elsewhere: string;
  beforeAll(() => {
    prefix = mkdtempSync(join(tmpdir(), 'sc-npm-prefix-'));
    elsewhere = mkdtempSync(join(tmpdir(), 'sc-elsewhere-'));
    execFileSync('npm', ['link', '--no-audit', '--no-fund'], {
      cwd: repoRoot,
      env: { ...process.env, NPM_CONFIG_PREFIX: prefix },
      stdio: 'pipe',
    });
  });
  afterAll(() => {
    rmSync(prefix, { recursive: true, force: true });
    rmSync(elsewhere, { recursive: true, force: true });
  });

  const sc = (...args: string[]) =>
    execFileSync(join(prefix, 'bin', 'sc'), args, {
      cwd: elsewhere,
      encoding: 'utf8',
      env: { PATH: `${join(prefix, 'bin')}:${process.env.PATH ?? ''}`, HOME: elsewhere },
    });

  it('runs from any directory as `sc`', () => {
    const { version } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
    expect(sc('--version')).toContain(`solar-circuit/${version}`);
    mkdirSync(join(elsewhere, 'orders'));
    writeFileSync(
      join(elsewhere, 'orders', 'hello.yaml'),
      'schema_version: "1.1"\ntitle: Say hello\ninstructions: Echo this back.\nplugin: echo\n',
    );
    expect(sc('validate', 'orders/hello.yaml')).toContain('✓ orders/hello.yaml');
  });
});
