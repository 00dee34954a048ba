import type { Report } from '@sc/schemas';
import { formatReport } from './round-format';

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
