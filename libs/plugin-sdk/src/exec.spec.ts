import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exec, ExecStartError, MAX_LINE_CHARS } from './exec';
import { ProcessGroup } from './process-group';
import { createTestContext } from './testing';

describe('exec', () => {
  it('runs a file with args and returns its exit code and output', async () => {
    const result = await exec('sh', ['-c', 'echo out; echo err >&2; exit 3']);
    expect(result).toEqual({ exitCode: 3, signal: null, aborted: false, stdoutTail: 'out\n', stderrTail: 'err\n' });
  });

  it('runs a command line through the shell, in cwd, with added env, line by line', async () => {
    const lines: string[] = [];
    const result = await exec('printf "%s\\n%s" "$GREETING" "$(pwd)"', {
      cwd: '/tmp',
      env: { GREETING: 'hi' },
      onStdout: (line) => lines.push(line),
    });
    expect(result.exitCode).toBe(0);
    expect(lines).toEqual(['hi', '/tmp']);
  });

  it('keeps only the tail of long output', async () => {
    const result = await exec('head -c 5000 /dev/zero | tr "\\0" a', { tailChars: 10 });
    expect(result.stdoutTail).toBe('aaaaaaaaaa');
  });

  it('cuts an over-long line, even one of 64 MB without a newline, and keeps the lines around it whole', async () => {
    const lines: string[] = [];
    const result = await exec("printf 'first\\r\\n'; head -c 67108864 /dev/zero | tr '\\0' x; printf '\\nlast'", {
      onStdout: (line) => lines.push(line),
    });
    expect(result.exitCode).toBe(0);
    expect(lines).toEqual(['first', `${'x'.repeat(MAX_LINE_CHARS)}…`, 'last']);
  });

  it('joins a line written in many small pieces', async () => {
    const lines: string[] = [];
    await exec('for i in 1 2 3 4 5; do printf "$i"; sleep 0.01; done; echo', { onStdout: (line) => lines.push(line) });
    expect(lines).toEqual(['12345']);
  });

  it('rejects when the command cannot be started', async () => {
    await expect(exec('/no/such/command', [])).rejects.toThrow('cannot run /no/such/command');
  });

  it('rejects with an ExecStartError with code E2BIG when the environment is past the kernel limit', async () => {
    // One string of argv or the environment may be 128 KiB on Linux; Node throws this failure instead of emitting it.
    const started = exec('true', [], { env: { HUGE: 'x'.repeat(256 * 1024) } });
    await expect(started).rejects.toBeInstanceOf(ExecStartError);
    await expect(started).rejects.toMatchObject({ code: 'E2BIG', file: 'true' });
  });

  it('kills a group whose members ignore SIGTERM, grandchildren included, when the signal aborts', async () => {
    const ctx = createTestContext({ timeoutMs: 300, killGraceMs: 200 });
    let pgid = 0;
    // The shell reports its pid (the group id) once its grandchild runs; every member ignores SIGTERM.
    const result = await ctx.exec('trap "" TERM; (sleep 30) & echo $$; sleep 30; wait', {
      onStdout: (line) => (pgid = Number(line)),
    });
    ctx.dispose();
    expect(result).toMatchObject({ aborted: true, exitCode: null, signal: 'SIGKILL' });
    expect(pgid).toBeGreaterThan(0);
    expect(new ProcessGroup(pgid).isAlive()).toBe(false);
  });

  it('stops with SIGTERM alone when the group obeys it', async () => {
    const ctx = createTestContext({ killGraceMs: 10_000 });
    const running = ctx.exec('sleep', ['30']);
    setTimeout(() => ctx.abort(new Error('cancel')), 100);
    expect(await running).toMatchObject({ aborted: true, signal: 'SIGTERM' });
  });

  it('stops what the command left running in the background once it exits', async () => {
    let pgid = 0;
    const result = await exec('(trap "" TERM; sleep 30) & echo $$', {
      killGraceMs: 100,
      onStdout: (line) => (pgid = Number(line)),
    });
    expect(result.exitCode).toBe(0);
    expect(new ProcessGroup(pgid).isAlive()).toBe(false);
  });

  it('does not start when the signal has already aborted', async () => {
    const ctx = createTestContext();
    ctx.abort();
    const marker = join(tmpdir(), `sc-exec-${process.pid}-not-started`);
    expect(await ctx.exec('touch', [marker])).toMatchObject({ aborted: true, exitCode: null });
    expect(existsSync(marker)).toBe(false);
  });
});
