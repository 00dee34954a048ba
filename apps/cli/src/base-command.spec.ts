import { Args, type Config } from '@oclif/core';
import { BaseCommand } from './base-command';
import { ApiError } from './errors';

/** A command whose run() throws what the test hands it. */
class Probe extends BaseCommand<typeof Probe> {
  static override args = { what: Args.string({ required: true }) };
  static failure: Error | undefined;

  async run(): Promise<{ apiUrl: string }> {
    if (Probe.failure) throw Probe.failure;
    this.log('text output');
    return { apiUrl: this.flags['api-url'] };
  }
}

describe(BaseCommand.name, () => {
  // Config.load() imports plugins with import(), which jest's VM cannot run; the command needs only this much.
  const config = {
    bin: 'sc',
    userAgent: 'sc test',
    runHook: async () => ({ successes: [], failures: [] }),
    scopedEnvVar: () => undefined,
    scopedEnvVarKeys: () => [],
  } as unknown as Config;
  let stdout: string;
  let stderr: string;

  /** Runs Probe and returns the exit code oclif would exit with (0 when it returned). */
  const run = async (...argv: string[]): Promise<number> => {
    try {
      // _run() is what oclif calls: init (parsing), run, catch, and the --json output.
      await (new Probe(argv, config) as unknown as { _run(): Promise<unknown> })._run();
      return 0;
    } catch (error) {
      return (error as { oclif?: { exit?: number } }).oclif?.exit ?? -1;
    }
  };

  beforeEach(() => {
    Probe.failure = undefined;
    stdout = '';
    stderr = '';
    // oclif's ux.stdout/ux.stderr write through console.log/console.error.
    jest.spyOn(console, 'log').mockImplementation((line: string) => void (stdout += `${line}\n`));
    jest.spyOn(console, 'error').mockImplementation((line: string) => void (stderr += `${line}\n`));
  });

  afterEach(() => {
    jest.restoreAllMocks();
    delete process.env.DEBUG;
  });

  it('prints only JSON on stdout with --json', async () => {
    expect(await run('x', '--json', '--api-url', 'http://api.test:1')).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ apiUrl: 'http://api.test:1' });
  });

  it('prints text without --json', async () => {
    expect(await run('x')).toBe(0);
    expect(stdout).toBe('text output\n');
  });

  it('turns an API error into one stderr line with its paths, exit 2', async () => {
    Probe.failure = new ApiError(
      {
        statusCode: 400,
        error: 'Bad Request',
        message: 'invalid work-order',
        details: [{ path: '/priority', message: 'must be <= 10' }],
      },
      'POST /workorders',
    );
    expect(await run('x')).toBe(2);
    expect(stderr).toBe('POST /workorders → 400 invalid work-order: /priority: must be <= 10\n');
    expect(stdout).toBe('');
  });

  it('with --json also prints the error as JSON on stdout', async () => {
    Probe.failure = new Error('something broke');
    expect(await run('x', '--json')).toBe(1);
    expect(stderr).toBe('something broke\n');
    expect(JSON.parse(stdout)).toEqual({ error: { message: 'something broke', exit_code: 1 } });
  });

  it('exits 2 with one line for an unknown flag', async () => {
    expect(await run('x', '--nope')).toBe(2);
    expect(stderr.trim().split('\n')).toEqual(['Nonexistent flag: --nope See more help with --help']);
  });

  it('exits 2 for a missing argument', async () => {
    expect(await run()).toBe(2);
    expect(stderr).toMatch(/^Missing 1 required arg/);
  });

  it('prints the stack only when DEBUG is set', async () => {
    Probe.failure = new Error('with stack');
    await run('x');
    expect(stderr).toBe('with stack\n');
    stderr = '';
    process.env.DEBUG = '1';
    await run('x');
    expect(stderr).toMatch(/^with stack\nError: with stack\n\s+at /);
  });
});
