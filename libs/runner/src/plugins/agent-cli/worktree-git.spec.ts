import { createTestContext } from '@sc/plugin-sdk/testing';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nestedRepositories, recordWorktreeLinks, restoreWorktreeLinks } from './worktree-git';

describe(restoreWorktreeLinks.name, () => {
  let root: string;
  let worktree: { path: string; agent: { name: string } };
  let adminDir: string;
  const git = (cwd: string, ...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@t', '-c', 'advice.addEmbeddedRepo=false', ...args], {
      cwd,
      encoding: 'utf8',
    }).trim();

  beforeEach(async () => {
    root = mkdtempSync(join(tmpdir(), 'sc-worktree-git-'));
    const repo = join(root, 'repo');
    mkdirSync(repo);
    git(repo, 'init', '-q');
    git(repo, 'commit', '-q', '--allow-empty', '-m', 'first');
    worktree = { path: join(root, 'attempt', 'claude'), agent: { name: 'claude' } };
    git(repo, 'worktree', 'add', '-q', '-b', 'feat', worktree.path);
    adminDir = git(worktree.path, 'rev-parse', '--absolute-git-dir');
    await recordWorktreeLinks(worktree, adminDir);
  });

  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('puts back .git, commondir and gitdir as git made them, through a folder or a symlink the agent left, never writing where a symlink points', async () => {
    const made = {
      git: readFileSync(join(worktree.path, '.git'), 'utf8'),
      commondir: readFileSync(join(adminDir, 'commondir'), 'utf8'),
      gitdir: readFileSync(join(adminDir, 'gitdir'), 'utf8'),
    };
    const victim = join(root, 'victim');
    writeFileSync(victim, 'the worker’s\n');
    rmSync(join(worktree.path, '.git'));
    mkdirSync(join(worktree.path, '.git', 'hooks'), { recursive: true });
    rmSync(join(adminDir, 'commondir'));
    symlinkSync(victim, join(adminDir, 'commondir'));
    writeFileSync(join(adminDir, 'gitdir'), '/elsewhere/.git\n');
    writeFileSync(join(adminDir, 'config.worktree'), '[core]\n\tfsmonitor = /tmp/evil\n');

    expect(await restoreWorktreeLinks(worktree)).toMatchObject({ adminDir });
    expect({
      git: readFileSync(join(worktree.path, '.git'), 'utf8'),
      commondir: readFileSync(join(adminDir, 'commondir'), 'utf8'),
      gitdir: readFileSync(join(adminDir, 'gitdir'), 'utf8'),
    }).toEqual(made);
    expect(readFileSync(victim, 'utf8')).toBe('the worker’s\n');
    expect(() => readFileSync(join(adminDir, 'config.worktree'))).toThrow();
    expect(git(worktree.path, 'symbolic-ref', 'HEAD')).toBe('refs/heads/feat');
  });

  it('is undefined for a worktree this attempt never made', async () => {
    expect(await restoreWorktreeLinks({ path: join(root, 'attempt', 'codex'), agent: { name: 'codex' } })).toBe(
      undefined,
    );
  });

  it('lists the repositories nested in the worktree as gitlinks, also under names git quotes', async () => {
    const names = ['plain', 'with "quotes"', 'tab\there', 'ünï'];
    for (const name of names) {
      const nested = join(worktree.path, name);
      mkdirSync(nested);
      git(nested, 'init', '-q');
      git(nested, 'commit', '-q', '--allow-empty', '-m', 'nested');
    }
    git(worktree.path, 'add', '-A');
    // A gitlink whose folder holds no repository (a submodule never checked out) starts no git.
    rmSync(join(worktree.path, 'plain', '.git'), { recursive: true });
    const ctx = createTestContext({ dataDir: root });
    expect((await nestedRepositories(ctx, worktree)).sort()).toEqual(names.slice(1).sort());
  });
});
