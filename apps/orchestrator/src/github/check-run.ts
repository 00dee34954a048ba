import type { Report, RoundState } from '@sc/schemas';
import type { CheckRunFields } from './github.client';
import { renderTokensSection } from './pull-request-body';
import { roundLink } from './round-comment';

/** The name of the check run each attempt posts on its head commit. */
export const ScCheckName = 'sc';

// A check run's summary holds at most 65,535 characters; the Report's summary is cut well before.
const maxSummaryChars = 4_000;

const conclusions: Partial<Record<RoundState, CheckRunFields['conclusion']>> = {
  succeeded: 'success',
  failed: 'failure',
  error: 'failure',
  timed_out: 'timed_out',
  cancelled: 'cancelled',
  // A person decides: GitHub shows the check as waiting for an action, with the Round's link.
  awaiting_review: 'action_required',
};

/** The check run's conclusion when an attempt ends in `state` (or awaits review), else undefined. */
export function checkConclusionOf(state: RoundState): CheckRunFields['conclusion'] | undefined {
  return conclusions[state];
}

/** The check run of an attempt that runs. */
export function renderCheckRunStarted(roundId: string, attempt: number, publicUrl: string | undefined): CheckRunFields {
  return {
    status: 'in_progress',
    ...detailsUrl(roundId, publicUrl),
    output: {
      title: `Attempt ${attempt} running`,
      summary: `Solar Circuit Round ${roundLink(roundId, publicUrl)}, attempt ${attempt}, is running.`,
    },
  };
}

/** The check run of an attempt that ended in `state`: its Report's summary, tokens and cost per agent and model. */
export function renderCheckRunEnded(
  roundId: string,
  attempt: number,
  state: RoundState,
  report: Report | undefined,
  publicUrl: string | undefined,
): CheckRunFields {
  const lines = [`Solar Circuit Round ${roundLink(roundId, publicUrl)}, attempt ${attempt}: **${state}**`, ''];
  if (report) {
    const summary = report.error ? `${report.summary}\n\n${report.error}` : report.summary;
    lines.push(
      ...(summary.length > maxSummaryChars ? `${summary.slice(0, maxSummaryChars)}…` : summary)
        .split('\n')
        .map((line) => `> ${line}`.trimEnd()),
      '',
      ...renderTokensSection(report),
    );
  }
  const cost = report ? ` · $${report.cost_usd.toFixed(2)}` : '';
  return {
    status: 'completed',
    conclusion: checkConclusionOf(state) ?? 'neutral',
    ...detailsUrl(roundId, publicUrl),
    output: { title: `Attempt ${attempt}: ${state}${cost}`, summary: lines.join('\n') },
  };
}

function detailsUrl(roundId: string, publicUrl: string | undefined): { details_url?: string } {
  return publicUrl === undefined ? {} : { details_url: `${publicUrl}/rounds/${roundId}` };
}
