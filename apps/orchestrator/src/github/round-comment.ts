import type { Report, RoundState } from '@sc/schemas';

/** Where a Round can be seen: `<SC_PUBLIC_URL>/rounds/<id>` when the orchestrator's public URL is known. */
export function roundLink(roundId: string, publicUrl: string | undefined): string {
  return publicUrl === undefined ? `\`${roundId}\`` : `[\`${roundId}\`](${publicUrl}/rounds/${roundId})`;
}

/** The bot's first comment: the Round exists and how to follow it. */
export function renderRoundQueuedComment(roundId: string, publicUrl: string | undefined): string {
  return [
    `Solar Circuit queued Round ${roundLink(roundId, publicUrl)}.`,
    '',
    `Follow it with \`sc rounds watch ${roundId}\`; comment \`/sc cancel\` to stop it.`,
  ].join('\n');
}

/** The same comment once the Round ended: its state and the Report's summary. */
export function renderRoundEndedComment(
  roundId: string,
  state: RoundState,
  report: Report | undefined,
  publicUrl: string | undefined,
): string {
  const lines = [`Solar Circuit Round ${roundLink(roundId, publicUrl)} ended: **${state}**.`];
  if (report) {
    lines.push(
      '',
      `> ${report.summary.split('\n').join('\n> ')}`,
      '',
      `Report: \`sc report ${roundId}\` (attempt ${report.attempt}, cost $${report.cost_usd.toFixed(2)}).`,
    );
  }
  return lines.join('\n');
}
