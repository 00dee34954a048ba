import { defaultBranchName, shortWorkOrderId, slugify } from './branch-name';
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

  it('names the default branch feat/wo-<yyyymmdd>-<slug>-<short id>, a branch the schema accepts', () => {
    const branch = defaultBranchName(
      'Say hello',
      '0193a1b2-c3d4-7e5f-8a6b-9c0d1e2f3a4b',
      new Date('2026-11-25T23:59:00Z'),
    );
    expect(branch).toBe('feat/wo-20261125-say-hello-1e2f3a4b');
    expect(validateWorkOrder({ title: 't', instructions: 'i', branch }).ok).toBe(true);
  });

  it('gives two work-orders with the same title on the same day different branches', () => {
    const day = new Date('2026-12-07T10:00:00Z');
    // UUIDv7s of the same millisecond share their first 12 hex digits; only the random tail tells them apart.
    expect(defaultBranchName('Say hello', '019af3c2-5e10-7a01-8b2c-3d4e5f607182', day)).not.toBe(
      defaultBranchName('Say hello', '019af3c2-5e10-7c93-9d4e-a1b2c3d4e5f6', day),
    );
    expect(defaultBranchName('Say hello', 'wo-1', day)).not.toBe(defaultBranchName('Say hello', 'WO-1', day));
  });

  it('takes the short id from the random tail of a UUID and hashes any other id', () => {
    expect(shortWorkOrderId('019AF3C2-5E10-7A01-8B2C-3D4E5F607182')).toBe('5f607182');
    expect(shortWorkOrderId('gh-issue-42')).toMatch(/^[0-9a-f]{8}$/);
    expect(shortWorkOrderId('gh-issue-42')).toBe(shortWorkOrderId('gh-issue-42'));
  });
});
