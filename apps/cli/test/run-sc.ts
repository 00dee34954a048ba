import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../../../test/support/local-stack';

/** The built `sc` entry point the e2e suites run (build first: `npm run build`). */
export const scBin = join(repoRoot, 'apps', 'cli', 'bin', 'run.js');

/** What one `sc` run printed and exited with. */
export interface ScRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Options of {@link runSc}. */
export interface RunScOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/**
 * Runs `node apps/cli/bin/run.js …args` as a child process and resolves with its exit code and output. The
 * environment is only PATH, HOME and `env`, so the machine's SC_* variables cannot leak into a test.
 */
export function runSc(args: readonly string[], options: RunScOptions = {}): Promise<ScRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [scBin, ...args],
      { cwd: options.cwd ?? repoRoot, env: scEnv(options.env), maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Starts `sc …args` without waiting for it (for `--wait` and `watch`, which run until a Round ends). */
export function startSc(
  args: readonly string[],
  options: RunScOptions = {},
): { child: ChildProcess; done: Promise<ScRun> } {
  const child = spawn(process.execPath, [scBin, ...args], { cwd: options.cwd ?? repoRoot, env: scEnv(options.env) });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<ScRun>((resolve) =>
    child.once('close', (code) => resolve({ code: code ?? 1, stdout, stderr })),
  );
  return { child, done };
}

function scEnv(env: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, ...env };
}
