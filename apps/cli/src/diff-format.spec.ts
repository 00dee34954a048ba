import { colourDiff } from './diff-format';

describe(colourDiff.name, () => {
  it('colours added, removed, hunk and header lines as git does, and leaves context lines alone', () => {
    const lines = colourDiff(
      ['# agent a (m): b against main', 'diff --git a/x b/x', '@@ -1 +1 @@', '-old', '+new', ' same'].join('\n'),
    ).split('\n');
    expect(lines).toEqual([
      '\u001b[1m\u001b[36m# agent a (m): b against main\u001b[39m\u001b[22m',
      '\u001b[1mdiff --git a/x b/x\u001b[22m',
      '\u001b[36m@@ -1 +1 @@\u001b[39m',
      '\u001b[31m-old\u001b[39m',
      '\u001b[32m+new\u001b[39m',
      ' same',
    ]);
  });
});
