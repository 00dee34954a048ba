import { isIdleTimeout, type Report, type RoundStartedMessage, type RoundState } from '@sc/schemas';
import type { RoundEntity } from './round.entity';

// What `RoundsService` and `RoundMessagesService` plan before `RoundTransitions` checks and writes a change.

/** The time of a change, as stored. */
export function now(): string {
  return new Date().toISOString();
}

/** A state change to make: where to, why, and the other columns that change with it. */
export interface Change {
  to: RoundState;
  reason: string;
  changes?: Partial<RoundEntity>;
}

/** What a plan decides: nothing, one change, or several made in order in the same transaction. */
export type Planned = Change | Change[] | undefined;

/** The reason of a Round's last transition: its Report's status, and for an agent gone silent, that it was idle. */
export function finishReason(report: Report): string {
  return report.status === 'timeout' && isIdleTimeout(report)
    ? 'finished: timeout (idle)'
    : `finished: ${report.status}`;
}

/**
 * What a worker's `started` changes: → running. A repeat from the same worker changes nothing. From another
 * worker while running, the first one was lost (its job lock expired and BullMQ handed the job on): running →
 * retrying → running.
 */
export function planStart(round: RoundEntity, message: RoundStartedMessage): Planned {
  // The worker's times: a Round's duration is measured on one clock, whenever its messages are applied.
  const started: Change = {
    to: 'running',
    reason: `started by ${message.worker}`,
    changes: { worker: message.worker, startedAt: message.at },
  };
  if (round.state !== 'running') return started;
  if (round.worker === message.worker) return undefined;
  return [{ to: 'retrying', reason: `worker lost: ${round.worker ?? 'unknown'}` }, started];
}
