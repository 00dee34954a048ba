import type { PluginContext } from '@sc/plugin-sdk';
import { probeGit, runGit } from './git';
import type { Repository } from './repository';

// The cached clone of `repo.url` keeps the URL as `origin`; a local `repo.path` pushes to its own `origin`.
const remote = 'origin';

/**
 * Pushes the Round's branches to the repository's `origin`, for a work-order that asked for a pull request.
 * A branch that does not exist (an agent that changed nothing on a fresh branch) or a push git refuses is
 * logged and skipped: the work stays committed locally, and the pull request step says what is missing.
 * Returns the branches pushed. Credentials are git's own (a credential helper, an SSH key): git never prompts.
 */
export async function pushBranches(repository: Repository, branches: string[], ctx: PluginContext): Promise<string[]> {
  if (!(await probeGit(ctx, repository.dir, ['remote', 'get-url', '--', remote])).ok) {
    ctx.logger.warn({ repository: repository.dir }, 'no origin remote: branches not pushed');
    return [];
  }
  const pushed: string[] = [];
  for (const branch of branches) {
    const ref = `refs/heads/${branch}`;
    if (!(await probeGit(ctx, repository.dir, ['rev-parse', '--verify', '--quiet', '--end-of-options', ref])).ok) continue;
    try {
      await runGit(ctx, repository.dir, ['push', '--quiet', '--end-of-options', remote, `${ref}:${ref}`]);
      pushed.push(branch);
      ctx.logger.info({ branch }, 'branch pushed');
    } catch (error) {
      ctx.logger.warn({ branch, reason: (error as Error).message }, 'branch not pushed');
    }
  }
  return pushed;
}
