import type { RoundView } from './http.types';
import type { Report } from './report.types';
import type { RoundState } from './round-state';
import { isTerminal } from './round-state';

/** What a notification tells: a Round ended, paused for a model's rate or usage limit, or waits for a review. */
export type NotificationEvent = 'round.finished' | 'round.waiting' | 'round.awaiting_review';

/**
 * The JSON body POSTed to `SC_NOTIFY_URLS` and a work-order's `notify` URLs. `text` is a line a person reads:
 * Slack (and Mattermost, Discord's Slack-compatible endpoint) show it as the message.
 */
export interface Notification {
  event: NotificationEvent;
  /** The Round as `GET /rounds/:id` shows it when the event happened. */
  round: RoundView;
  /** The Report of the attempt that ended (absent for a wait, and for a Round cancelled before it ran). */
  report?: Report;
  text: string;
}

/** The header with `sha256=<hex HMAC-SHA256 of the body>`, keyed with `SC_NOTIFY_SECRET`, as GitHub signs its webhooks. */
export const NotificationSignatureHeader = 'x-sc-signature-256';

/** The event a Round's move to `to` is notified as, if any. */
export function notificationEventOf(to: RoundState): NotificationEvent | undefined {
  if (to === 'waiting') return 'round.waiting';
  if (to === 'awaiting_review') return 'round.awaiting_review';
  return isTerminal(to) ? 'round.finished' : undefined;
}

/**
 * Payload of a `notify` job on the `notifications` queue: the JSON of a `Notification`, built when the event
 * happened, for one URL; it is signed when sent, so the secret never sits in Redis.
 */
export interface NotifyJob {
  url: string;
  event: NotificationEvent;
  round_id: string;
  body: string;
}
