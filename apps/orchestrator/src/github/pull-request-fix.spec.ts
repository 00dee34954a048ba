import { MaxFollowUpChars } from '@sc/schemas';
import { checkFix, commandFix, LogTailChars, reviewFix } from './pull-request-fix';

describe(checkFix.name, () => {
  it("tells the check's name, commit and the end of its log, and counts as automatic with the commit in its reason", () => {
    const log = `${'x'.repeat(LogTailChars * 2)}\nError: expected 1 got 2\n`;
    const fix = checkFix(12, {
      name: 'CI / test',
      sha: 'abcdef0123456789'.repeat(2) + 'abcdef01',
      conclusion: 'failure',
      log,
    });
    expect(fix.isAutomatic).toBe(true);
    expect(fix.reason).toBe(
      `automatic pull request fix (commit ${'abcdef0123456789'.repeat(2)}abcdef01): check "CI / test" failure on #12`,
    );
    expect(fix.followUp).toContain(
      'The check "CI / test" ended failure on commit abcdef012345, the head of pull request #12.',
    );
    expect(fix.followUp).toContain('Error: expected 1 got 2\n```');
    expect(fix.followUp.length).toBeLessThan(LogTailChars + 400);
  });

  it('says so when the check left no log', () => {
    expect(checkFix(1, { name: 'lint', sha: 'a'.repeat(40), conclusion: 'timed_out', log: ' ' }).followUp).toContain(
      'It left no log or output.',
    );
  });
});

describe(reviewFix.name, () => {
  it("passes the review's text on, cut to what a job carries", () => {
    const fix = reviewFix(3, { id: 9, login: 'octocat', body: 'y'.repeat(MaxFollowUpChars) });
    expect(fix).toMatchObject({
      isAutomatic: true,
      reason: 'automatic pull request fix (review 9): @octocat requested changes on #3',
    });
    expect(fix.followUp).toHaveLength(MaxFollowUpChars);
    expect(reviewFix(3, { id: 9, login: 'octocat', body: null }).followUp).toContain('the review has no text');
  });

  it('lists its comments on lines of the diff after its text', () => {
    const fix = reviewFix(3, { id: 9, login: 'octocat', body: null }, [
      { path: 'src/a.ts', line: 4, body: 'Name this\nbetter.' },
      { path: 'README.md', body: 'Typo.' },
    ]);
    expect(fix.followUp).toContain(
      'requests changes:\n\nOn lines of the diff:\n- src/a.ts:4: Name this\n  better.\n- README.md: Typo.\n\nChange the branch',
    );
  });
});

describe(commandFix.name, () => {
  it('is not automatic, and says where on the diff it was asked', () => {
    expect(commandFix(4, 'octocat', 'rename it', 'src/a.ts:3')).toEqual({
      followUp: '@octocat asks on pull request #4, at src/a.ts:3:\n\nrename it',
      reason: 'fix requested by @octocat on #4',
      isAutomatic: false,
    });
  });
});
