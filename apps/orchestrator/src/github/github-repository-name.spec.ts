import { parseGitHubRepositoryName } from './github-repository-name';

describe(parseGitHubRepositoryName.name, () => {
  it.each([
    ['https://github.com/octo/hello.git', 'octo/hello'],
    ['https://github.com/octo/hello', 'octo/hello'],
    ['https://ghe.example/octo/hello.js.git', 'octo/hello.js'],
    ['ssh://git@github.com/octo/hello.git', 'octo/hello'],
    ['git@github.com:octo/hello.git', 'octo/hello'],
  ])('reads %s', (url, name) => {
    expect(parseGitHubRepositoryName(url)).toBe(name);
  });

  it.each([
    '/tmp/remote.git',
    'file:///tmp/remote.git',
    'https://github.com/octo',
    'https://gitlab.example/group/sub/repo.git',
  ])('finds none in %s', (url) => {
    expect(parseGitHubRepositoryName(url)).toBeUndefined();
  });
});
