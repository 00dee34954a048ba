import type { Duration, WorkOrder } from './workorder.types';

/** Timeouts when the work-order names none: coding 30 min, testing 45 min, any other phase 30 min. */
export const DefaultPhaseTimeouts: Readonly<Record<string, Duration>> = { coding: 'PT30M', testing: 'PT45M' };
const fallbackTimeout: Duration = 'PT30M';

const isoDuration =
  /^P(?!$)(?:(\d+(?:\.\d+)?)D)?(?:T(?=\d)(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/** Converts a schema duration (seconds, or ISO-8601 days/hours/minutes/seconds) to milliseconds. */
export function durationToMs(duration: Duration): number {
  if (typeof duration === 'number') return Math.round(duration * 1000);
  const match = isoDuration.exec(duration);
  if (!match) throw new RangeError(`not an ISO-8601 duration: ${duration}`);
  const [days, hours, minutes, seconds] = match.slice(1).map((part) => Number(part ?? 0));
  return Math.round((((days * 24 + hours) * 60 + minutes) * 60 + seconds) * 1000);
}

/** The timeout of one phase of a work-order, in milliseconds. */
export function phaseTimeoutMs(order: Pick<WorkOrder, 'phase_timeout'>, phase: string): number {
  return durationToMs(order.phase_timeout?.[phase] ?? DefaultPhaseTimeouts[phase] ?? fallbackTimeout);
}
