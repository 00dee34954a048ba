import { createTestContext, type TestContext } from '@sc/plugin-sdk/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { originUrl, pushBranches, withoutCredentials } from './push';
import { createTestRepository, git } from '../../../../../test/support/test-repository';

describe(pushBranches.name, () => {
  let root: string;
  let remote: string;
  let repo: string;
  let ctx: TestContext;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'sc-push-'));
    remote = join(root, 'remote.git');
    repo = join(root, 'repo');
    git(root, 'init', '-q', '--bare', '-b', 'main', remote);
    createTestRepository(repo);
    git(repo, 'branch', 'feat/wo-1');
    ctx = createTestContext({ dataDir: root });
  });

  afterEach(() => {
    ctx.dispose();
    rmSync(root, { recursive: true, force: true });
  });

  it('pushes the branches that exist to origin, and skips the others', async () => {
    git(repo, 'remote', 'add', 'origin', remote);
    expect(
      await pushBranches({ dir: repo, gitDir: join(repo, '.git'), isClone: false }, ['feat/wo-1', 'feat/none'], ctx),
    ).toEqual(['feat/wo-1']);
    expect(git(remote, 'rev-parse', 'refs/heads/feat/wo-1')).toBe(git(repo, 'rev-parse', 'feat/wo-1'));
  });

  it('pushes nothing, and says so, without an origin remote', async () => {
    expect(await pushBranches({ dir: repo, gitDir: join(repo, '.git'), isClone: false }, ['feat/wo-1'], ctx)).toEqual(
      [],
    );
    expect(ctx.logs.map((line) => line.message)).toContain('no origin remote: branches not pushed');
  });

  it('logs a push git refuses (a diverged branch) and goes on', async () => {
    git(repo, 'remote', 'add', 'origin', remote);
    await pushBranches({ dir: repo, gitDir: join(repo, '.git'), isClone: false }, ['feat/wo-1'], ctx);
    git(repo, 'checkout', '-q', 'feat/wo-1');
    git(repo, 'commit', '-q', '--amend', '-m', 'rewritten');
    expect(await pushBranches({ dir: repo, gitDir: join(repo, '.git'), isClone: false }, ['feat/wo-1'], ctx)).toEqual(
      [],
    );
    expect(ctx.logs.find((line) => line.message === 'branch not pushed')).toBeDefined();
  });

  it('pushes through insteadOf to where git sends it, and names origin as configured, without credentials', async () => {
    git(repo, 'remote', 'add', 'origin', 'git@github.com:octo/hello.git');
    git(repo, 'config', `url.${remote}.insteadOf`, 'git@github.com:octo/hello.git');
    expect(await pushBranches({ dir: repo, gitDir: join(repo, '.git'), isClone: false }, ['feat/wo-1'], ctx)).toEqual([
      'feat/wo-1',
    ]);
    expect(await originUrl(ctx, repo)).toBe('git@github.com:octo/hello.git');
    git(repo, 'remote', 'set-url', 'origin', 'https://x-access-token:ghp_secret@github.com/octo/hello.git');
    expect(await originUrl(ctx, repo)).toBe('https://github.com/octo/hello.git');
    git(repo, 'remote', 'remove', 'origin');
    expect(await originUrl(ctx, repo)).toBeUndefined();
  });
});

describe(withoutCredentials.name, () => {
  it.each([
    ['https://user:token@github.com/octo/hello.git', 'https://github.com/octo/hello.git'],
    ['ssh://git@github.com/octo/hello.git', 'ssh://git@github.com/octo/hello.git'],
    ['ssh://git:secret@github.com/octo/hello.git', 'ssh://github.com/octo/hello.git'],
    ['git@github.com:octo/hello.git', 'git@github.com:octo/hello.git'],
    ['https://github.com/octo/hello', 'https://github.com/octo/hello'],
    ['/srv/git/hello.git', '/srv/git/hello.git'],
  ])('%s → %s', (url, expected) => {
    expect(withoutCredentials(url)).toBe(expected);
  });
});
