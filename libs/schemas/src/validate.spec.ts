import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  formatIssues,
  validateCommitRef,
  validateReport,
  validateRepositorySetup,
  validateRoundMessage,
  validateWorkOrder,
} from './validate';
import type { Report } from './report.types';
import { ReportSchemaVersion, WorkOrderSchemaVersion } from './schema-version';

const minimal = { title: 'T', instructions: 'do it' };

describe('validateWorkOrder', () => {
  it('accepts a minimal work-order and fills the defaults', () => {
    const result = validateWorkOrder(minimal);
    expect(result).toEqual({
      ok: true,
      value: {
        ...minimal,
        schema_version: WorkOrderSchemaVersion,
        plugin: 'echo',
        phases: ['coding', 'testing'],
        phase_timeout: { coding: 'PT30M', testing: 'PT45M' },
        idle_timeout: 'PT10M',
        priority: 5,
      },
    });
  });

  it('does not change the object it was given', () => {
    const input = { ...minimal };
    validateWorkOrder(input);
    expect(input).toEqual(minimal);
  });

  it('lists every failing JSON path at once', () => {
    const result = validateWorkOrder({
      instructions: '',
      priority: 11,
      budget: { max_tokens: 0 },
      phase_timeout: { coding: 'soon' },
      extra: true,
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues.map((i) => i.path).sort()).toEqual(
      ['/budget/max_tokens', '/extra', '/instructions', '/phase_timeout/coding', '/priority', '/title'].sort(),
    );
    expect(result.issues).toContainEqual({ path: '/title', message: 'is required' });
    expect(result.issues).toContainEqual({ path: '/extra', message: 'is not a known field' });
  });

  it('needs a command for an agent without a built-in template', () => {
    const result = validateWorkOrder({ ...minimal, agents: [{ name: 'mine', model: 'm', role: 'coder' }] });
    expect(result).toEqual({ ok: false, issues: [{ path: '/agents/0/command', message: 'is required' }] });
  });

  it('runs claude, codex and gemini through their templates without a command', () => {
    const agents = ['claude', 'codex', 'gemini'].map((name) => ({ name, model: 'm', role: 'coder' }));
    expect(validateWorkOrder({ ...minimal, agents }).ok).toBe(true);
  });

  it('needs a url or a path in repo', () => {
    expect(validateWorkOrder({ ...minimal, repo: { base_ref: 'main' } })).toEqual({
      ok: false,
      issues: [{ path: '/repo/path', message: 'is required' }],
    });
    expect(validateWorkOrder({ ...minimal, repo: { url: 'https://example.com/a.git' } }).ok).toBe(true);
  });

  it.each(['../etc', '/abs', 'a..b', 'trailing/', 'sp ace'])('refuses the branch %p', (branch) => {
    expect(validateWorkOrder({ ...minimal, branch }).ok).toBe(false);
  });

  it.each([[5], ['PT30M'], ['P1DT2H'], ['PT0.5S']])('accepts the phase timeout %p', (timeout) => {
    expect(validateWorkOrder({ ...minimal, phase_timeout: { coding: timeout } }).ok).toBe(true);
  });

  it.each([[0], [-1], ['P'], ['PT'], ['30m']])('refuses the phase timeout %p', (timeout) => {
    expect(validateWorkOrder({ ...minimal, phase_timeout: { coding: timeout } })).toEqual({
      ok: false,
      issues: [{ path: '/phase_timeout/coding', message: expect.stringContaining('ISO-8601') }],
    });
  });

  it.each([null, 'text', 42, []])('refuses a document that is %p', (input) => {
    expect(validateWorkOrder(input)).toEqual({ ok: false, issues: [{ path: '', message: 'must be object' }] });
  });

  it('takes setup steps and caches keyed by files (since 1.5)', () => {
    const cache = [
      { path: 'node_modules', key_files: ['package-lock.json'] },
      { path: 'api/.venv', key_files: ['api/poetry.lock', 'api/pyproject.toml'] },
    ];
    expect(validateWorkOrder({ ...minimal, setup: ['npm ci'], cache }).ok).toBe(true);
  });

  it.each(['/abs', '..', '../up', 'a/../b', '.', './a', 'a/.', '.git', '.git/hooks', 'a//b', 'trailing/', ''])(
    'refuses the cache path %p',
    (path) => {
      expect(validateWorkOrder({ ...minimal, cache: [{ path, key_files: ['package-lock.json'] }] })).toEqual({
        ok: false,
        issues: [
          {
            path: '/cache/0/path',
            message:
              'must be a relative path inside the worktree (no leading "/", no "." or ".." segment, not under .git)',
          },
        ],
      });
    },
  );

  it.each(['.gitignore', '.github/x', 'a/.git-x', '..a', 'a..', '.venv', 'node_modules/@scope/pkg'])(
    'takes the cache path %p',
    (path) => {
      expect(validateWorkOrder({ ...minimal, cache: [{ path, key_files: [path] }] }).ok).toBe(true);
    },
  );

  it('formats issues as one line', () => {
    expect(
      formatIssues([
        { path: '/title', message: 'is required' },
        { path: '', message: 'x' },
      ]),
    ).toBe('/title: is required; /: x');
  });
});

describe('validateRepositorySetup', () => {
  it('takes what a work-order may say of setup and caches, and nothing else', () => {
    expect(
      validateRepositorySetup({
        setup: ['npm ci'],
        cache: [{ path: 'node_modules', key_files: ['package-lock.json'] }],
      }).ok,
    ).toBe(true);
    expect(validateRepositorySetup({ setup: 'npm ci', cache: [{ path: '../x', key_files: [] }], agents: [] })).toEqual({
      ok: false,
      issues: [
        { path: '/agents', message: 'is not a known field' },
        { path: '/setup', message: 'must be array' },
        { path: '/cache/0/path', message: expect.stringContaining('must be a relative path') },
        { path: '/cache/0/key_files', message: 'must NOT have fewer than 1 items' },
      ],
    });
  });
});

describe('examples', () => {
  const dir = join(__dirname, '..', '..', '..', 'examples');
  const files = readdirSync(dir).filter((file) => file.endsWith('.json'));
  it('has the echo work-order the README and the demo submit', () => expect(files).toContain('echo.json'));
  it.each(files)('%s is a valid work-order', (file) => {
    const result = validateWorkOrder(JSON.parse(readFileSync(join(dir, file), 'utf8')));
    expect(result.ok ? [] : result.issues).toEqual([]);
  });
});

const report: Report = {
  round_id: 'r1',
  workorder_id: 'w1',
  status: 'success',
  summary: 'done',
  phases: [
    {
      name: 'coding',
      status: 'success',
      started_at: '2026-01-01T00:00:00Z',
      finished_at: '2026-01-01T00:00:01Z',
      exit_code: 0,
    },
  ],
  token_usage: [{ agent: 'claude', model: 'm', input: 10, output: 5 }],
  cost_usd: 0,
  artifacts: [{ name: 'params.json', uri: 'file:///tmp/params.json', bytes: 2, sha256: 'a'.repeat(64) }],
  commits: [],
  attempt: 1,
  worker: 'host:1',
};

describe('validateReport', () => {
  it('accepts a complete report', () => {
    expect(validateReport(report)).toEqual({ ok: true, value: { ...report, schema_version: ReportSchemaVersion } });
  });

  it('refuses an unknown status and a bad sha256', () => {
    const result = validateReport({ ...report, status: 'great', artifacts: [{ ...report.artifacts[0], sha256: 'x' }] });
    expect(result.ok ? [] : result.issues.map((i) => i.path)).toEqual(['/status', '/artifacts/0/sha256']);
  });
});

describe('validateRoundMessage', () => {
  const at = '2026-01-01T00:00:00Z';
  it('accepts started and finished messages', () => {
    expect(validateRoundMessage({ type: 'started', round_id: 'r1', attempt: 1, worker: 'w', at }).ok).toBe(true);
    expect(validateRoundMessage({ type: 'finished', round_id: 'r1', attempt: 1, report, at }).ok).toBe(true);
  });

  it('refuses a finished message whose report is broken', () => {
    expect(
      validateRoundMessage({ type: 'finished', round_id: 'r1', attempt: 1, report: { ...report, attempt: 0 }, at }).ok,
    ).toBe(false);
  });

  it('accepts the events a finished message carries, and names a broken one by its path', () => {
    const end = { type: 'end', round_id: 'r1', attempt: 1, at };
    expect(
      validateRoundMessage({
        type: 'finished',
        round_id: 'r1',
        attempt: 1,
        report,
        at,
        events: [{ ...end, type: 'log', level: 'info', message: 'hi' }, end],
      }).ok,
    ).toBe(true);
    const result = validateRoundMessage({
      type: 'finished',
      round_id: 'r1',
      attempt: 1,
      report,
      at,
      events: [end, { ...end, type: 'transition' }],
    });
    expect(result.ok ? [] : result.issues.map((issue) => issue.path)).toContain('/events/1/type');
  });
});

describe('validateCommitRef', () => {
  it('accepts a sha with an optional branch and message', () => {
    expect(validateCommitRef({ sha: 'abc1234', branch: 'feat/wo-x', message: 'Fix it' })).toEqual({
      ok: true,
      value: { sha: 'abc1234', branch: 'feat/wo-x', message: 'Fix it' },
    });
  });

  it('lists every failing path', () => {
    const result = validateCommitRef({ sha: 'XYZ', branch: 7, extra: true });
    expect(result.ok ? [] : result.issues.map((i) => i.path).sort()).toEqual(['/branch', '/extra', '/sha']);
  });
});
