import { durationToMs } from './phase-timeout';
import type { WorkOrder } from './workorder.types';

/**
 * The artifact an attempt held for review stores its diff in (`GET /rounds/:id/diff`): the worker writes it,
 * since only the worker has the repository; the orchestrator reads it from the artifact store.
 */
export const ReviewDiffArtifact = 'review.diff';

/** A person's (or the review timeout's) decision on an `awaiting_review` Round. */
export type ReviewDecision = { approved: true } | { approved: false; reason: string };

/** How long a Round may wait in `awaiting_review` before it is rejected, in ms; undefined: no limit. */
export function reviewTimeoutMs(order: Pick<WorkOrder, 'review'>): number | undefined {
  return order.review?.timeout === undefined ? undefined : durationToMs(order.review.timeout);
}
