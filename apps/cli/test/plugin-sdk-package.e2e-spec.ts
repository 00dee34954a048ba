import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../../test/support/local-stack';
import { runSc } from './run-sc';

// A plugin author outside this repository: the SDK packed as `npm run pack:plugin-sdk` packs it, installed
// into a folder of its own with the hello example, type-checked there, and loaded by `sc run` from there.
describe('the plugin SDK as a package', () => {
  let dir: string;
  let plugin: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sc-plugin-author-'));
    const tarballs = execFileSync(
      process.execPath,
      [join(repoRoot, 'scripts', 'pack-plugin-sdk.js'), join(dir, 'packages')],
      { encoding: 'utf8' },
    )
      .trim()
      .split('\n');
    plugin = join(dir, 'hello');
    mkdirSync(plugin);
    for (const file of ['index.js', 'index.d.ts', 'package.json'])
      copyFileSync(join(repoRoot, 'examples', 'plugins', 'hello', file), join(plugin, file));
    // @sc/schemas validates with Ajv: its dependencies come from the npm cache, or the registry when not cached.
    execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', ...tarballs], {
      cwd: plugin,
      stdio: 'pipe',
    });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const order = (plugin: string) => {
    const file = join(dir, `order-${plugin}.json`);
    writeFileSync(
      file,
      JSON.stringify({
        schema_version: '1.1',
        title: 'Say hello',
        instructions: 'Greet.',
        plugin,
        phases: ['coding'],
        params: { greeting: 'Hi' },
      }),
    );
    return file;
  };

  it('type-checks the example against the installed SDK', () => {
    const tsc = join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
    const flags = [
      '--noEmit',
      '--allowJs',
      '--checkJs',
      '--strict',
      '--module',
      'commonjs',
      '--target',
      'es2022',
      '--moduleResolution',
      'node10',
    ];
    expect(() =>
      execFileSync(
        process.execPath,
        [tsc, ...flags, '--typeRoots', join(repoRoot, 'node_modules', '@types'), '--types', 'node', 'index.js'],
        { cwd: plugin, stdio: 'pipe' },
      ),
    ).not.toThrow();
  });

  it('runs the example from its own folder', async () => {
    const { code, stdout } = await runSc(
      [
        'run',
        '--json',
        order('hello'),
        '--plugins',
        plugin,
        '--data-dir',
        join(dir, 'data'),
        '--log-dir',
        join(dir, 'logs'),
      ],
      { cwd: dir },
    );
    expect({ code, report: JSON.parse(stdout) as unknown }).toMatchObject({
      code: 0,
      report: { status: 'success', summary: 'Hi, Say hello! (phase coding)' },
    });
  });

  it('says why a plugin was refused when the work-order names it', async () => {
    // A plugin file in a folder where @sc/plugin-sdk is not installed: its module cannot load.
    const upper = join(dir, 'elsewhere', 'upper.js');
    mkdirSync(join(dir, 'elsewhere'));
    writeFileSync(
      upper,
      "module.exports = require('@sc/plugin-sdk').definePlugin({ name: 'upper', version: '1.0.0', apiVersion: '1.0.0', handle: async () => ({ summary: 'X' }) });\n",
    );
    const { code, stdout } = await runSc(
      [
        'run',
        '--json',
        order('upper'),
        '--plugins',
        upper,
        '--data-dir',
        join(dir, 'data'),
        '--log-dir',
        join(dir, 'logs'),
      ],
      { cwd: dir },
    );
    expect(code).toBe(1);
    expect((JSON.parse(stdout) as { error: string }).error).toMatch(
      new RegExp(
        `^unknown plugin "upper"; known plugins: agent-cli, echo, shell; refused: ${upper}: .*Cannot find module '@sc/plugin-sdk'`,
      ),
    );
  });
});
