import type { PluginContext } from '@sc/plugin-sdk';
import { probeGit, runGit } from './git';
import type { Repository } from './repository';

// The cached clone of `repo.url` keeps the URL as `origin`; a local `repo.path` pushes to its own `origin`.
const remote = 'origin';

/**
 * The URL `origin` is configured with, credentials removed; undefined without one. The configured value, not
 * `git remote get-url`'s, which applies `insteadOf` rewrites: like `gh`, the orchestrator names the GitHub
 * repository after what the checkout says its origin is, wherever pushes are redirected.
 */
export async function originUrl(ctx: Pick<PluginContext, 'exec'>, dir: string): Promise<string | undefined> {
  const configured = await probeGit(ctx, dir, ['config', '--get', `remote.${remote}.url`]);
  return configured.ok && configured.stdout ? withoutCredentials(configured.stdout) : undefined;
}

/**
 * `https://user:token@host/…` → `https://host/…`: a Report is stored and shown, a token must not be. An ssh
 * user (`ssh://git@host/…`) is no secret and stays.
 */
export function withoutCredentials(url: string): string {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return url;
  try {
    const parsed = new URL(url);
    if (!parsed.password && !(parsed.username && /^https?:$/.test(parsed.protocol))) return url;
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return url;
  }
}

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
    if (!(await probeGit(ctx, repository.dir, ['rev-parse', '--verify', '--quiet', '--end-of-options', ref])).ok)
      continue;
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
