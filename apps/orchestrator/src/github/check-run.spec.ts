import type { Report } from '@sc/schemas';
import { checkConclusionOf, renderCheckRunEnded, renderCheckRunStarted } from './check-run';

describe(renderCheckRunEnded.name, () => {
  const report = {
    round_id: 'r1',
    workorder_id: 'w1',
    status: 'failure',
    summary: 'acceptance failed',
    error: 'npm test exited 1',
    phases: [],
    token_usage: [
      {
        agent: 'claude',
        model: 'claude-sonnet-4-5',
        input: 1200,
        output: 300,
        cache_read: 50,
        cache_write: 0,
        cost_usd: 0.0123,
      },
    ],
    cost_usd: 0.0123,
    artifacts: [],
    commits: [],
    attempt: 2,
    worker: 'host:1',
  } as unknown as Report;

  it('concludes as the attempt ended, with its summary, tokens and cost per agent and model, and the link to the Round', () => {
    const check = renderCheckRunEnded('r1', 2, 'failed', report, 'https://sc.example');
    expect(check).toMatchObject({
      status: 'completed',
      conclusion: 'failure',
      details_url: 'https://sc.example/rounds/r1',
      output: { title: 'Attempt 2: failed · $0.01' },
    });
    expect(check.output.summary).toContain(
      'Solar Circuit Round [`r1`](https://sc.example/rounds/r1), attempt 2: **failed**',
    );
    expect(check.output.summary).toContain('> npm test exited 1');
    expect(check.output.summary).toContain('| claude | claude-sonnet-4-5 | 1200 | 300 | 50 | 0 | $0.0123 |');
  });

  it('has no details URL without SC_PUBLIC_URL, and asks for an action while the Round awaits review', () => {
    expect(renderCheckRunStarted('r1', 1, undefined)).not.toHaveProperty('details_url');
    expect(checkConclusionOf('awaiting_review')).toBe('action_required');
    expect(checkConclusionOf('running')).toBeUndefined();
    expect(renderCheckRunEnded('r1', 1, 'cancelled', undefined, undefined)).toMatchObject({
      conclusion: 'cancelled',
      output: { title: 'Attempt 1: cancelled' },
    });
  });
});
