import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../../test/support/local-stack';
import { runSc } from './run-sc';

/** The bundle `npm run build` writes (apps/cli/src/oclif-bundle.ts). */
const oclifBundleFile = join(repoRoot, 'dist', 'apps', 'cli', 'oclif-core.js');

describe('sc --help', () => {
  let dir: string;

  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'sc-help-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('lists the topics and commands and exits 0', async () => {
    const { code, stdout } = await runSc(['--help']);
    expect(code).toBe(0);
    for (const name of ['rounds', 'wo', 'plugins', 'validate', 'submit', 'run', 'report', 'commit', 'up', 'doctor']) {
      expect(stdout).toMatch(new RegExp(`^\\s+${name}\\s`, 'm'));
    }
  });

  /** Runs `sc …args` with a preload that records every module the process loaded, written when it exits. */
  async function loadedModules(args: string[]): Promise<{ code: number; loaded: string[] }> {
    const loadedFile = join(dir, 'loaded.json');
    const preload = join(dir, 'record-modules.js');
    writeFileSync(
      preload,
      `process.on('exit', () => require('fs').writeFileSync(${JSON.stringify(loadedFile)}, JSON.stringify(Object.keys(require.cache))));\n`,
    );
    const { code } = await runSc(args, { env: { NODE_OPTIONS: `--require ${preload}` } });
    return { code, loaded: JSON.parse(readFileSync(loadedFile, 'utf8')) as string[] };
  }

  it.each([['--help'], ['submit', '--help'], ['rounds', 'list', '--help'], ['run', '--help']])(
    'sc %s %s loads no Nest, TypeORM, BullMQ, schemas or runner code, and oclif as one bundle',
    async (...args: string[]) => {
      const { code, loaded } = await loadedModules(args.filter(Boolean));
      expect(code).toBe(0);
      const heavy = loaded.filter((file) =>
        /node_modules\/(@nestjs|typeorm|bullmq|ioredis|ajv|pino|yaml)\/|libs\/(schemas|runner|plugin-sdk)\//.test(file),
      );
      expect(heavy).toEqual([]);
      // The only entry from node_modules is @oclif/core's, which the bundle stands in for.
      expect(loaded).toContain(oclifBundleFile);
      expect(loaded.filter((file) => file.includes('/node_modules/'))).toEqual([require.resolve('@oclif/core')]);
    },
  );

  it('a command gets the bundled oclif when it requires @oclif/core, so oclif is not loaded twice', async () => {
    const { code, loaded } = await loadedModules(['validate', 'examples/echo.json']);
    expect(code).toBe(0);
    expect(loaded).toContain(join(repoRoot, 'dist', 'apps', 'cli', 'src', 'commands', 'validate.js'));
    expect(loaded.filter((file) => file.includes('/node_modules/@oclif/'))).toEqual([require.resolve('@oclif/core')]);
  });

  it('orders the command ids by code point as localeCompare does (the bundle sorts them so: scripts/bundle-oclif-core.js)', () => {
    const manifest = JSON.parse(readFileSync(join(repoRoot, 'oclif.manifest.json'), 'utf8')) as {
      commands: Record<string, unknown>;
    };
    const ids = Object.keys(manifest.commands).reverse();
    expect(ids.length).toBeGreaterThan(1);
    expect([...ids].sort()).toEqual([...ids].sort((a, b) => a.localeCompare(b)));
  });

  it("shows a command's flags, including --json and --api-url", async () => {
    const { code, stdout } = await runSc(['submit', '--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('--wait');
    expect(stdout).toContain('--json');
    expect(stdout).toContain('--api-url');
  });

  it.each([[['-h']], [['rounds', 'list', '-h']]])('takes -h for --help: sc %j', async (args) => {
    const help = await runSc(args);
    expect(help.code).toBe(0);
    expect(help.stdout).toBe((await runSc([...args.slice(0, -1), '--help'])).stdout);
  });

  it.each([
    [['round', 'list'], 'unknown command "sc round list"; did you mean "sc rounds list"?'],
    [['ls'], 'unknown command "sc ls"; did you mean "sc rounds list"?'],
    [['sumbit', 'x.json'], 'unknown command "sc sumbit"; did you mean "sc submit"?'],
    [['xyzzy'], 'unknown command "sc xyzzy"; see sc --help'],
  ])('exits 2 with one "did you mean" line for an unknown command: sc %j', async (args, line) => {
    const { code, stdout, stderr } = await runSc(args);
    expect({ code, stdout, stderr }).toEqual({ code: 2, stdout: '', stderr: `${line}\n` });
  });

  it('exits 2 with one line on stderr for an unknown flag', async () => {
    const { code, stdout, stderr } = await runSc(['rounds', 'list', '--colour']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toEqual(['Nonexistent flag: --colour See more help with --help']);
  });
});
