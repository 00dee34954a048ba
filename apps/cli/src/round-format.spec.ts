import type { Report, RoundSummaryView, RoundView } from '@sc/schemas';
import { formatReport, formatRound, formatRoundTable } from './round-format';

describe(formatReport.name, () => {
  const report: Report = {
    round_id: 'r1',
    workorder_id: 'w1',
    status: 'success',
    summary: 'best of 2: …',
    phases: [],
    token_usage: [],
    cost_usd: 0.01,
    artifacts: [],
    commits: [],
    attempt: 1,
    worker: 'vm:1',
  };

  it('names the winner of a best-of-N Round and lists the others', () => {
    const result = { model: 'm', passed: true, failed_commands: 0, result: '1 acceptance command(s) passed' };
    const lines = formatReport({
      ...report,
      selection: {
        winner: { ...result, agent: 'a', branch: 'feat/x-a', cost_usd: 0.004 },
        others: [{ ...result, agent: 'b', branch: 'feat/x-b', cost_usd: null }],
      },
    });
    expect(lines.filter((line) => /^ {2}(winner|other) /.test(line))).toEqual([
      '  winner      a (m) on feat/x-a: 1 acceptance command(s) passed, $0.0040',
      '  other       b (m) on feat/x-b: 1 acceptance command(s) passed, price unknown',
    ]);
  });

  it('has no such lines without a selection', () => {
    expect(formatReport(report).some((line) => /^ {2}(winner|other) /.test(line))).toBe(false);
  });
});

const summary = (id: string, fields: Partial<RoundSummaryView> = {}): RoundSummaryView => ({
  id,
  workorder_id: 'wo-20260301-hello',
  title: 'Say hello',
  plugin: 'agent-cli',
  state: 'running',
  attempt: 1,
  priority: 5,
  labels: [],
  branch: 'feat/wo-20260301-hello',
  worker: null,
  report_status: null,
  created_at: '2026-03-01T13:00:00.000Z',
  updated_at: '2026-03-01T13:00:00.000Z',
  started_at: null,
  finished_at: null,
  resumes_at: null,
  ...fields,
});
const now = new Date('2026-03-01T13:30:00.000Z');
const widest = (table: string) => Math.max(...table.split('\n').map((line) => [...line].length));

describe(formatRoundTable.name, () => {
  const waiting = summary('0193a1b2-c3d4-7e5f-8a6b-9c0d1e2f3a4b', {
    state: 'waiting',
    resumes_at: '2026-03-01T14:05:03.250Z',
  });
  const running = summary('0193a1b2-c3d4-7e5f-8a6b-9c0d1e2f3a4c');

  it("says when a waiting Round resumes in its state, today's by the time alone", async () => {
    const lines = (await formatRoundTable([waiting, running], 200, now)).split('\n');
    expect(lines[1]).toMatch(/^0193a1b2-c3d4-7e5f-8a6b-9c0d1e2f3a4b {2}waiting until 14:05:03Z {2}agent-cli /);
    expect(lines[2]).toMatch(/^0193a1b2-c3d4-7e5f-8a6b-9c0d1e2f3a4c {2}running {18}agent-cli /);
  });

  it('gives the date as well when the wait ends on another day', async () => {
    const later = { ...waiting, resumes_at: '2026-03-04T09:00:00.000Z' };
    expect(await formatRoundTable([later], 200, now)).toContain('  waiting until 2026-03-04T09:00:00Z  ');
  });

  it('keeps the state column narrow when no Round waits', async () => {
    const header = (await formatRoundTable([running], 200, now)).split('\n')[0];
    expect(header).toMatch(/^ID {36}STATE {4}PLUGIN /);
  });

  it('shows a waiting Round without a resume time as waiting', async () => {
    const table = await formatRoundTable([{ ...waiting, resumes_at: null }], 200, now);
    expect(table.split('\n')[1]).toMatch(/ {2}waiting {2}agent-cli /);
  });

  it('fits the width with the resume time whole: other columns are cut or left out', async () => {
    const table = await formatRoundTable([waiting, running], 80, now);
    expect(widest(table)).toBeLessThanOrEqual(80);
    expect(table).toContain('0193a1b2-c3d4-7e5f-8a6b-9c0d1e2f3a4b  waiting until 14:05:03Z');
  });
});

describe(formatRound.name, () => {
  const round = (fields: Partial<RoundSummaryView>): RoundView => ({
    ...summary('0193a1b2-c3d4-7e5f-8a6b-9c0d1e2f3a4b', fields),
    transitions: [],
    commits: [],
    sessions: [],
  });

  it('says when a waiting Round resumes', () => {
    expect(formatRound(round({ state: 'waiting', resumes_at: '2026-03-01T14:05:03.250Z' }))).toContain(
      '  resumes     2026-03-01T14:05:03.250Z',
    );
  });

  it('has no such line for a Round that does not wait', () => {
    expect(formatRound(round({ state: 'running' })).some((line) => line.startsWith('  resumes'))).toBe(false);
  });
});
