import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSc } from './run-sc';

describe('sc validate', () => {
  let dir: string;
  const write = (name: string, text: string): string => {
    const file = join(dir, name);
    writeFileSync(file, text);
    return file;
  };

  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'sc-validate-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('accepts the examples and exits 0', async () => {
    const { code, stdout } = await runSc(['validate', 'examples/echo.json', 'examples/multi-agent.json']);
    expect(code).toBe(0);
    expect(stdout).toBe('✓ examples/echo.json\n✓ examples/multi-agent.json\n');
  });

  it('lists every failing path with its line and exits 2', async () => {
    const file = write('bad.yaml', 'title: Fix it\ninstructions: Do it.\nbudget:\n  max_tokens: 0\npriority: 11\n');
    const { code, stdout, stderr } = await runSc(['validate', 'examples/echo.json', file]);
    expect(code).toBe(2);
    expect(stdout).toContain(`✗ ${file}:4 /budget/max_tokens: must be >= 1\n`);
    expect(stdout).toContain(`✗ ${file}:5 /priority: must be <= 10\n`);
    expect(stderr).toBe('1 of 2 work-order file(s) invalid\n');
  });

  it('prints the verdict as JSON with --json, and still exits 2', async () => {
    const file = write('bad.json', '{\n  "title": "x"\n}\n');
    const { code, stdout } = await runSc(['validate', file, '--json']);
    expect(code).toBe(2);
    expect(JSON.parse(stdout)).toEqual({
      valid: false,
      files: [{ file, valid: false, issues: [{ path: '/instructions', message: 'is required', line: 1 }] }],
    });
  });

  it('reports a syntax error in one line with its position, exit 2', async () => {
    const file = write('broken.json', '{\n  "title": "x",,\n}\n');
    const { code, stdout, stderr } = await runSc(['validate', file]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(`${file}:2:16 invalid JSON: unexpected ","\n`);
  });
});
