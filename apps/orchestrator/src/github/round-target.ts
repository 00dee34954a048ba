import type { Report, StoredWorkOrder } from '@sc/schemas';
import { parseGitHubRepositoryName } from './github-repository-name';

/**
 * The branch to open the pull request from: a best-of-N Round's winner's (only it was pushed), else the work-order's
 * own when it got commits, else the first committed one.
 */
export function pickBranch(order: StoredWorkOrder, report: Report): string | undefined {
  if (report.selection?.winner) return report.selection.winner.branch;
  const branches = report.commits
    .map((commit) => commit.branch)
    .filter((branch): branch is string => branch !== undefined);
  return branches.includes(order.branch) ? order.branch : branches[0];
}

/**
 * `owner/name`: the one a GitHub-started work-order names, else read from `repo.url`, else from the remote the
 * worker found the branch's commits go to (the `origin` of a `repo.path` checkout, which only the worker sees).
 */
export function repositoryOf(order: StoredWorkOrder, report: Report | undefined, branch: string): string | undefined {
  const github = (order.params as { github?: { repository?: unknown } } | undefined)?.github;
  if (typeof github?.repository === 'string' && /^[\w.-]+\/[\w.-]+$/.test(github.repository)) return github.repository;
  const remote =
    order.repo?.url ??
    report?.commits.findLast((commit) => commit.branch === branch && commit.remote !== undefined)?.remote;
  return remote === undefined ? undefined : parseGitHubRepositoryName(remote);
}
