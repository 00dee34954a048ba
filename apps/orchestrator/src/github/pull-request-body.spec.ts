import { validateReport, type Report } from '@sc/schemas';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderPullRequestBody } from './pull-request-body';

const report = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'agent-cli.report.json'), 'utf8')) as Report;

// fixtures/agent-cli.report.json is a Report runRound returned for an agent-cli Round with two (fake) agents.
describe(renderPullRequestBody.name, () => {
  it('uses a Report the schema accepts', () => {
    expect(validateReport(report)).toMatchObject({ ok: true });
  });

  it('renders summary, phases, acceptance, tokens, cost and the Round link', () => {
    const body = renderPullRequestBody({
      report: report,
      acceptance: ['test -s NOTES.md || test -s CODEX.md', 'true'],
      publicUrl: 'https://sc.example',
    });
    expect(body).toMatchSnapshot();
  });

  it('names the winner of a best-of-N Round and lists the others with their results, branches and costs', () => {
    const others = [
      {
        agent: 'codex',
        model: 'gpt-5-codex',
        branch: 'feat/x-codex',
        passed: false,
        failed_commands: 1,
        result: '1 of 2 acceptance command(s) failed',
        cost_usd: 0.02,
      },
    ];
    const body = renderPullRequestBody({
      report: {
        ...report,
        selection: {
          winner: {
            agent: 'claude',
            model: 'sonnet',
            branch: 'feat/x-claude',
            passed: true,
            failed_commands: 0,
            result: '2 acceptance command(s) passed',
            cost_usd: null,
          },
          others,
        },
      },
    });
    expect(body).toContain('The winner is **claude**: this pull request is its branch; the others stay on theirs.');
    expect(body).toContain('| 🏆 claude | sonnet | `feat/x-claude` | 2 acceptance command(s) passed | unknown |');
    expect(body).toContain('| codex | gpt-5-codex | `feat/x-codex` | 1 of 2 acceptance command(s) failed | $0.0200 |');
  });

  it('says why a Round failed, and leaves out empty sections', () => {
    const failed: Report = {
      ...report,
      status: 'error',
      error: 'agent claude exited 3',
      phases: [],
      token_usage: [],
      cost_usd: 0,
    };
    const body = renderPullRequestBody({ report: failed });
    expect(body).toContain('> agent claude exited 3');
    expect(body).not.toContain('### Phases');
    expect(body).not.toContain('### Acceptance');
    expect(body).toContain(`Round \`${failed.round_id}\`, attempt 1: **error**`);
  });
});
