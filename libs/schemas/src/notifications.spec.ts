import { notificationEventOf } from './notifications';
import { isNotifyUrl } from './validate';
import { RoundStates } from './round-state';

describe('notifications', () => {
  it('notifies the end of a Round, its wait for a model limit and its review, nothing else', () => {
    expect(Object.fromEntries(RoundStates.map((state) => [state, notificationEventOf(state)]))).toEqual({
      queued: undefined,
      running: undefined,
      retrying: undefined,
      waiting: 'round.waiting',
      awaiting_review: 'round.awaiting_review',
      succeeded: 'round.finished',
      failed: 'round.finished',
      timed_out: 'round.finished',
      cancelled: 'round.finished',
      error: 'round.finished',
    });
  });

  it.each([
    ['https://hooks.slack.com/services/T0/B0/x', true],
    ['HTTP://127.0.0.1:9000', true],
    ['http://example.com?x=1', true],
    ['file:///etc/passwd', false],
    ['ftp://example.com/x', false],
    ['https://user:pw@example.com/x', false],
    ['https://', false],
    ['https://exa mple.com', false],
  ])('%s may receive notifications: %s', (url, expected) => {
    expect(isNotifyUrl(url)).toBe(expected);
  });
});
