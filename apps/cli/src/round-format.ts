import type { AgentResult, Report, RoundEvent, RoundSummaryView, RoundView, TokenUsage } from '@sc/schemas';
import type { RoundOutcome } from './round-follower';
import { formatTable, type TableColumn } from './table-format';

// Text views of Rounds, Reports and events for people; `--json` prints the objects themselves.

/** One line per event: `▸ coding started`, `✓ coding success (exit 0, 1.2s)`, `  coding │ a log line`, `  coding/claude │ …`. */
export function formatRoundEvent(event: RoundEvent): string {
  switch (event.type) {
    case 'transition': {
      const line = `● ${event.from ?? 'new'} → ${event.to}${event.reason ? ` (${event.reason})` : ''}`;
      // Following (`--wait`, `watch`) goes on until someone decides: say how.
      return event.to === 'awaiting_review'
        ? `${line}\n  review it: sc rounds diff ${event.round_id}, then sc rounds approve|reject ${event.round_id}`
        : line;
    }
    case 'phase': {
      if (event.state === 'started') return `▸ ${event.phase} started`;
      const result = event.result;
      if (!result) return `${mark(undefined)} ${event.phase} finished`;
      return `${mark(result.status)} ${event.phase} ${result.status} (${phaseDetail(result)})${result.error ? `: ${result.error}` : ''}`;
    }
    case 'log':
      return `  ${event.phase ?? '-'}${event.agent ? `/${event.agent}` : ''} │ ${event.level === 'info' ? '' : `${event.level}: `}${event.message}`;
  }
}

/** A Report as a few aligned lines. */
export function formatReport(report: Report): string[] {
  const lines = [`${mark(report.status)} Round ${report.round_id} (attempt ${report.attempt}): ${report.status}`];
  lines.push(`  work-order  ${report.workorder_id}`);
  lines.push(`  summary     ${firstLine(report.summary)}`);
  if (report.error) lines.push(`  error       ${firstLine(report.error)}`);
  for (const phase of report.phases) {
    lines.push(`  phase       ${mark(phase.status)} ${phase.name} ${phase.status} (${phaseDetail(phase)})`);
    for (const refusal of phase.refusals ?? [])
      lines.push(`  refused     ${refusal.agent}: ${refusal.tool}${refusal.detail ? ` ${refusal.detail}` : ''}`);
  }
  for (const usage of report.token_usage) lines.push(`  tokens      ${formatTokenUsage(usage)}`);
  lines.push(`  cost        $${report.cost_usd.toFixed(2)}`);
  const { winner, others = [] } = report.selection ?? {};
  if (winner) lines.push(`  winner      ${formatAgentResult(winner)}`);
  for (const other of others) lines.push(`  other       ${formatAgentResult(other)}`);
  for (const artifact of report.artifacts)
    lines.push(`  artifact    ${artifact.name} (${artifact.bytes} B) ${artifact.uri}`);
  for (const commit of report.commits)
    lines.push(
      `  commit      ${commit.sha.slice(0, 12)}${commit.branch ? ` ${commit.branch}` : ''}${commit.message ? ` ${firstLine(commit.message)}` : ''}`,
    );
  lines.push(`  worker      ${report.worker}`);
  return lines;
}

/** How a followed Round ended: its Report, or one line when it ended without one. */
export function formatOutcome(outcome: RoundOutcome): string[] {
  if (outcome.report) return formatReport(outcome.report);
  return [`✗ Round ${outcome.round.id} ended ${outcome.round.state} without a report`];
}

/** A Round with its audit trail. */
export function formatRound(round: RoundView): string[] {
  const lines = [
    `Round ${round.id}: ${round.state} (attempt ${round.attempt})`,
    `  title       ${round.title}`,
    `  work-order  ${round.workorder_id}`,
    `  plugin      ${round.plugin}`,
    `  branch      ${round.branch}`,
    `  priority    ${round.priority}${round.labels.length ? `  labels ${round.labels.join(', ')}` : ''}`,
    `  created     ${round.created_at}`,
  ];
  if (round.started_at) lines.push(`  started     ${round.started_at}`);
  if (round.finished_at) lines.push(`  finished    ${round.finished_at}`);
  if (round.resumes_at) lines.push(`  resumes     ${round.resumes_at}`);
  if (round.worker) lines.push(`  worker      ${round.worker}`);
  if (round.report_status) lines.push(`  report      ${round.report_status}`);
  if (round.pull_request) lines.push(`  pull req.   #${round.pull_request.number} ${round.pull_request.url}`);
  lines.push('  transitions');
  for (const t of round.transitions)
    lines.push(`    ${t.at}  ${t.from ?? 'new'} → ${t.to}  #${t.attempt}  ${t.reason}`);
  return lines;
}

/**
 * The rounds of one page as a table that fits `width`: ids stay whole (they are what the other commands
 * take), titles are cut, and labels, attempt, creation time and plugin are left out, in that order, on a
 * narrow terminal. A waiting Round's state says when it resumes (see {@link formatState}).
 */
export function formatRoundTable(
  rounds: readonly RoundSummaryView[],
  width?: number,
  now: Date = new Date(),
): Promise<string> {
  const columns: TableColumn[] = [
    { header: 'ID' },
    { header: 'STATE' },
    { header: 'PLUGIN', dropOrder: 4 },
    { header: 'TITLE', minWidth: 12 },
    { header: 'ATTEMPT', dropOrder: 2 },
    { header: 'LABELS', minWidth: 8, dropOrder: 1 },
    { header: 'CREATED', dropOrder: 3 },
  ];
  const rows = rounds.map((round) => [
    round.id,
    formatState(round, now),
    round.plugin,
    truncate(round.title, 40),
    String(round.attempt),
    round.labels.join(','),
    // To the second: milliseconds tell no Rounds apart for a reader, and cost the table four columns.
    `${round.created_at.slice(0, 19)}Z`,
  ]);
  return formatTable(columns, rows, width);
}

/**
 * A Round's state for the table; a waiting one says when it resumes, in UTC as the CREATED column: the time
 * alone on the day of `now` (`waiting until 14:05:03Z`), else the date too (a usage limit may reset days later).
 */
function formatState(round: RoundSummaryView, now: Date): string {
  if (round.state !== 'waiting' || !round.resumes_at) return round.state;
  const resumes = new Date(round.resumes_at);
  if (Number.isNaN(resumes.getTime())) return `waiting until ${round.resumes_at}`;
  const iso = resumes.toISOString();
  const isToday = iso.slice(0, 10) === now.toISOString().slice(0, 10);
  return `waiting until ${isToday ? iso.slice(11, 19) : iso.slice(0, 19)}Z`;
}

function mark(status: string | undefined): string {
  return status === 'success' ? '✓' : status === undefined ? '•' : '✗';
}

function phaseDetail(phase: { started_at: string; finished_at: string; exit_code: number | null }): string {
  const seconds = (Date.parse(phase.finished_at) - Date.parse(phase.started_at)) / 1000;
  const duration = `${Number.isFinite(seconds) ? seconds.toFixed(1) : '?'}s`;
  return phase.exit_code === null ? duration : `exit ${phase.exit_code}, ${duration}`;
}

function firstLine(text: string): string {
  const [line] = text.split('\n');
  return line.length < text.length ? `${line} …` : line;
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** `claude (claude-sonnet-4-5): 1200 in, 300 out, 800 cache read, 0 cache write, $0.0081` */
/** A best-of-N agent: `gamma (model) on <branch>: 2 acceptance command(s) passed, $0.0009`. */
function formatAgentResult(result: AgentResult): string {
  return `${result.agent} (${result.model}) on ${result.branch}: ${result.result}, ${result.cost_usd === null ? 'price unknown' : `$${result.cost_usd.toFixed(4)}`}`;
}

function formatTokenUsage(usage: TokenUsage): string {
  const cost =
    usage.cost_usd === undefined ? '' : usage.cost_usd === null ? ', price unknown' : `, $${usage.cost_usd.toFixed(4)}`;
  return `${usage.agent} (${usage.model}): ${usage.input} in, ${usage.output} out, ${usage.cache_read ?? 0} cache read, ${usage.cache_write ?? 0} cache write${cost}`;
}
