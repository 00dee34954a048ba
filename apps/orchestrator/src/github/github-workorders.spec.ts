import { validateWorkOrder, type StoredWorkOrder } from '@sc/schemas';
import type { GitHubIssuePayload, GitHubRepositoryPayload } from './github-events';
import { toIssueWorkOrder, toPullRequestWorkOrder } from './github-workorders';

const repository: GitHubRepositoryPayload = {
  full_name: 'octo/hello',
  clone_url: 'https://github.com/octo/hello.git',
  default_branch: 'main',
};
const issue = (body: string | null): GitHubIssuePayload => ({
  number: 12,
  title: 'Fix the typo',
  body,
  html_url: 'https://github.com/octo/hello/issues/12',
});

describe(toIssueWorkOrder.name, () => {
  it('takes the title, the body as instructions, the repository, and keeps the issue number', () => {
    const result = toIssueWorkOrder(issue("README says 'comitted'."), repository);
    expect(result).toEqual({
      ok: true,
      order: {
        title: 'Fix the typo',
        instructions: "README says 'comitted'.",
        repo: { url: 'https://github.com/octo/hello.git', base_ref: 'main' },
        labels: ['github', 'github-issue:12'],
        params: {
          github: { repository: 'octo/hello', issue_number: 12, issue_url: 'https://github.com/octo/hello/issues/12' },
        },
      },
    });
    expect(result.ok && validateWorkOrder(result.order).ok).toBe(true);
  });

  it('reads work-order fields from a ```sc block, which stays out of the instructions', () => {
    const body = [
      'Fix it.',
      '',
      '```sc',
      'plugin: agent-cli',
      'agents: [{ name: claude, model: claude-sonnet-4-5, role: implementer }]',
      'labels: [docs]',
      'pull_request: { draft: true }',
      'title: ignored',
      '```',
      'Thanks!',
    ].join('\n');
    const result = toIssueWorkOrder(issue(body), repository);
    expect(result).toMatchObject({
      ok: true,
      order: {
        title: 'Fix the typo',
        instructions: 'Fix it.\n\n\nThanks!',
        plugin: 'agent-cli',
        pull_request: { draft: true },
        labels: ['github', 'github-issue:12', 'docs'],
      },
    });
    expect(result.ok && validateWorkOrder(result.order).ok).toBe(true);
  });

  it('says why a ```sc block cannot be read', () => {
    expect(toIssueWorkOrder(issue('```sc\nplugin: [unclosed\n```'), repository)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('is not YAML or JSON'),
    });
    expect(toIssueWorkOrder(issue('```sc\n- a\n```'), repository)).toEqual({
      ok: false,
      reason: 'the ```sc block must hold work-order fields (a mapping)',
    });
  });

  it('uses the title when the body is empty', () => {
    expect(toIssueWorkOrder(issue(null), repository)).toMatchObject({
      ok: true,
      order: { instructions: 'Fix the typo' },
    });
  });
});

describe(toPullRequestWorkOrder.name, () => {
  const pull = {
    number: 7,
    title: 'Notes',
    url: 'https://github.com/octo/hello/pull/7',
    headRef: 'feat/notes',
    headSha: 'a'.repeat(40),
    headCloneUrl: 'https://github.com/octo/hello.git',
    isFork: false,
  };

  it("does the work the way the pull request's previous Round did, on the pull request's branch", () => {
    const previous = {
      id: 'wo-1',
      title: 'Old',
      instructions: 'old',
      plugin: 'agent-cli',
      branch: 'feat/old',
      phases: ['coding'],
      priority: 3,
      agents: [{ name: 'claude', model: 'm', role: 'r' }],
      acceptance: ['npm test'],
      pull_request: { draft: false },
      params: { other: true },
    } as StoredWorkOrder;
    const order = toPullRequestWorkOrder(pull, repository, { text: 'add a test' }, previous);
    expect(order).toEqual({
      plugin: 'agent-cli',
      phases: ['coding'],
      priority: 3,
      agents: previous.agents,
      acceptance: ['npm test'],
      pull_request: { draft: false },
      title: 'PR #7: add a test',
      instructions: 'add a test',
      repo: { url: pull.headCloneUrl, base_ref: 'feat/notes' },
      branch: 'feat/notes',
      continue_branch: true,
      labels: ['github', 'github-pr:7'],
      params: { github: { repository: 'octo/hello', pull_request: 7 } },
    });
    expect(toPullRequestWorkOrder(pull, repository, { plugin: 'echo', text: '' }, previous)).toMatchObject({
      plugin: 'echo',
      instructions: 'Notes',
      title: 'PR #7: Notes',
    });
  });
});
