import type { ReportStatus } from './report.types';
import type { RoundState } from './round-state';

/** The Round state a finished attempt ends in, by its Report's status. */
export const RoundStateByReportStatus: Readonly<Record<ReportStatus, RoundState>> = {
  success: 'succeeded',
  failure: 'failed',
  timeout: 'timed_out',
  cancelled: 'cancelled',
  error: 'error',
};

/** Whether a Report ended because an agent went silent twice (`idle_timeout`), not at its phase's timeout. */
export function isIdleTimeout(report: { status: string; error?: string }): boolean {
  return report.status === 'timeout' && (report.error ?? '').startsWith('idle_timeout:');
}
