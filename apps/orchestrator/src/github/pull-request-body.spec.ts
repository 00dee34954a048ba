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
    const body = renderPullRequestBody({ report: report, acceptance: ['test -s NOTES.md || test -s CODEX.md', 'true'], publicUrl: 'https://sc.example' });
    expect(body).toMatchSnapshot();
  });

  it('says why a Round failed, and leaves out empty sections', () => {
    const failed: Report = { ...(report), status: 'error', error: 'agent claude exited 3', phases: [], token_usage: [], cost_usd: 0 };
    const body = renderPullRequestBody({ report: failed });
    expect(body).toContain('> agent claude exited 3');
    expect(body).not.toContain('### Phases');
    expect(body).not.toContain('### Acceptance');
    expect(body).toContain(`Round \`${failed.round_id}\`, attempt 1: **error**`);
  });
});
