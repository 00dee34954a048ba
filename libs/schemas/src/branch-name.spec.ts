import { defaultBranchName, slugify } from './branch-name';
import { validateWorkOrder } from './validate';

describe('branch-name', () => {
  it('slugs a title into lower-case words', () => {
    expect(slugify('  Fix the LOGIN bug!  ')).toBe('fix-the-login-bug');
    expect(slugify('Ünïcödé — ok')).toBe('unicode-ok');
    expect(slugify('!!!')).toBe('work');
  });

  it('keeps slugs at 40 characters without a trailing dash', () => {
    const slug = slugify('a'.repeat(39) + ' b c');
    expect(slug.length).toBeLessThanOrEqual(40);
    expect(slug.endsWith('-')).toBe(false);
  });

  it('names the default branch feat/wo-<yyyymmdd>-<slug>, a branch the schema accepts', () => {
    const branch = defaultBranchName('Say hello', new Date('2026-11-25T23:59:00Z'));
    expect(branch).toBe('feat/wo-20261125-say-hello');
    expect(validateWorkOrder({ title: 't', instructions: 'i', branch }).ok).toBe(true);
  });
});
