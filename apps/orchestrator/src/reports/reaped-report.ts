import { ReportSchemaVersion, type Report } from '@sc/schemas';

/** The Report of an attempt no worker will ever report (its job is gone): `error` with `reason`, nothing run. */
export function reapedReport(
  round: { id: string; workorderId: string; worker: string | null },
  attempt: number,
  reason: string,
): Report {
  return {
    schema_version: ReportSchemaVersion,
    round_id: round.id,
    workorder_id: round.workorderId,
    status: 'error',
    summary: reason,
    error: reason,
    phases: [],
    token_usage: [],
    cost_usd: 0,
    artifacts: [],
    commits: [],
    attempt,
    worker: round.worker ?? 'none',
  };
}
