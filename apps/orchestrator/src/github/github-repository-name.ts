/**
 * `owner/name` of a GitHub repository from a clone URL: `https://host/owner/name(.git)`,
 * `ssh://git@host/owner/name.git` or `git@host:owner/name.git` (GitHub Enterprise hosts too). Undefined
 * for anything else (a local path, a URL with more path segments).
 */
export function parseGitHubRepositoryName(url: string): string | undefined {
  const scp = /^[\w.-]+@[\w.-]+:([\w.-]+)\/([\w.-]+?)(?:\.git)?\/?$/.exec(url);
  if (scp) return `${scp[1]}/${scp[2]}`;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (!['https:', 'http:', 'ssh:', 'git:'].includes(parsed.protocol)) return undefined;
  const match = /^\/([\w.-]+)\/([\w.-]+?)(?:\.git)?\/?$/.exec(parsed.pathname);
  return match ? `${match[1]}/${match[2]}` : undefined;
}
