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
