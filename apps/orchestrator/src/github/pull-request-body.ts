import type { PhaseResult, Report } from '@sc/schemas';
import { roundLink } from './round-comment';

/** What a pull request's body is rendered from: the Round's Report and what the work-order asked. */
export interface PullRequestBodyInput {
  report: Report;
  /** The work-order's `acceptance` commands, listed with the outcome of the phase that ran them. */
  acceptance?: string[];
  /** The orchestrator's public URL (`SC_PUBLIC_URL`), for the link to the Round. */
  publicUrl?: string;
}

// The phase whose outcome is the acceptance commands' (agent-cli runs them there).
const acceptancePhase = 'testing';
const statusMarks: Record<string, string> = {
  success: '✅',
  failure: '❌',
  timeout: '⏱️',
  cancelled: '⏹️',
  error: '💥',
};

/**
 * The Markdown body of the pull request a Round opens: summary, phases with exit codes and durations,
 * acceptance, token usage per agent and model with the Round's cost, and the Round's id and link. Plain
 * tables, so it reads the same on GitHub, in `gh pr view` and in a mail notification.
 */
export function renderPullRequestBody({ report, acceptance = [], publicUrl }: PullRequestBodyInput): string {
  return [
    `${statusMarks[report.status] ?? ''} Solar Circuit Round ${roundLink(report.round_id, publicUrl)}, attempt ${report.attempt}: **${report.status}**`.trim(),
    '',
    '### Summary',
    '',
    quote(report.error ? `${report.summary}\n\n${report.error}` : report.summary),
    '',
    ...selectionSection(report),
    ...phasesSection(report.phases),
    ...acceptanceSection(acceptance, report.phases),
    ...renderTokensSection(report),
    '---',
    `Work-order \`${report.workorder_id}\` · Round \`${report.round_id}\` · worker \`${report.worker}\` · \`sc report ${report.round_id}\``,
    '',
  ].join('\n');
}

function phasesSection(phases: PhaseResult[]): string[] {
  if (phases.length === 0) return [];
  return [
    '### Phases',
    '',
    '| phase | status | exit code | duration |',
    '| -- | -- | --: | --: |',
    ...phases.map(
      (phase) =>
        `| ${phase.name} | ${phase.status} | ${phase.exit_code ?? '–'} | ${formatDuration(phase.started_at, phase.finished_at)} |`,
    ),
    '',
  ];
}

/** Best of N: which agent's branch this is, and how the others did. */
function selectionSection({ selection }: Report): string[] {
  if (!selection) return [];
  const rows = [
    ...(selection.winner ? [{ ...selection.winner, mark: '🏆 ' }] : []),
    ...selection.others.map((other) => ({ ...other, mark: '' })),
  ];
  return [
    '### Agents compared',
    '',
    selection.winner
      ? `The winner is **${selection.winner.agent}**: this pull request is its branch; the others stay on theirs.`
      : 'No agent passed acceptance.',
    '',
    '| agent | model | branch | result | cost |',
    '| -- | -- | -- | -- | --: |',
    ...rows.map(
      (row) =>
        `| ${row.mark}${row.agent} | ${row.model} | \`${row.branch}\` | ${row.result.replace(/\|/g, '\\|')} | ${row.cost_usd === null ? 'unknown' : `$${row.cost_usd.toFixed(4)}`} |`,
    ),
    '',
  ];
}

function acceptanceSection(commands: string[], phases: PhaseResult[]): string[] {
  if (commands.length === 0) return [];
  const phase = phases.find((candidate) => candidate.name === acceptancePhase);
  const outcome = phase ? `${phase.status} (exit ${phase.exit_code ?? '–'})` : 'not run';
  return [
    '### Acceptance',
    '',
    `Outcome: **${outcome}**`,
    '',
    ...commands.map((command) => `- \`${command.replace(/`/g, "'")}\``),
    '',
  ];
}

/** Tokens and cost per agent and model, and the Round's cost: Markdown lines (also a check run's summary). */
export function renderTokensSection(report: Report): string[] {
  const rows = [...report.token_usage].sort((a, b) => a.agent.localeCompare(b.agent) || a.model.localeCompare(b.model));
  const lines = ['### Tokens and cost', ''];
  if (rows.length > 0) {
    lines.push(
      '| agent | model | input | output | cache read | cache write | cost |',
      '| -- | -- | --: | --: | --: | --: | --: |',
      ...rows.map(
        (row) =>
          `| ${row.agent} | ${row.model} | ${row.input} | ${row.output} | ${row.cache_read ?? 0} | ${row.cache_write ?? 0} | ${row.cost_usd == null ? 'unknown' : `$${row.cost_usd.toFixed(4)}`} |`,
      ),
      '',
    );
  }
  // The Round's cost is the sum of its priced rows.
  lines.push(`Cost of the Round: $${report.cost_usd.toFixed(4)}`, '');
  return lines;
}

/** `1.2 s`, `3 min 4 s`: short enough for a table cell. */
function formatDuration(startedAt: string, finishedAt: string): string {
  const ms = Math.max(0, Date.parse(finishedAt) - Date.parse(startedAt));
  if (Number.isNaN(ms)) return '–';
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

function quote(text: string): string {
  return text
    .trim()
    .split('\n')
    .map((line) => `> ${line}`.trimEnd())
    .join('\n');
}
