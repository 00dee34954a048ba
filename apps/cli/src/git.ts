import { execFile } from 'node:child_process';
import { FailureError, UsageError } from './errors';

/** Runs `git <args>` in `cwd` and returns its trimmed stdout; a failure is one line with git's own reason. */
export function runGit(args: readonly string[], cwd: string = process.cwd()): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('git', [...args], { cwd, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (!error) return resolve(stdout.trim());
      if ((error as NodeJS.ErrnoException).code === 'ENOENT')
        return reject(new FailureError('git is not installed (not found on PATH)'));
      const reason = lastLine(stderr) || lastLine(stdout) || error.message;
      reject(new FailureError(`git ${args[0]} failed: ${reason}`));
    });
  });
}

/** The current branch; a detached HEAD has none, and a commit there belongs to no work-order branch. */
export async function currentBranch(cwd?: string): Promise<string> {
  await runGit(['rev-parse', '--git-dir'], cwd).catch(() => {
    throw new UsageError('not a git repository (or any parent up to the root)');
  });
  const branch = await runGit(['symbolic-ref', '--quiet', '--short', 'HEAD'], cwd).catch(() => '');
  if (!branch) throw new UsageError('HEAD is detached; check out the work-order branch first');
  return branch;
}

function lastLine(text: string): string {
  return text.trim().split('\n').pop()?.trim() ?? '';
}
