import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from './errors';
import { checkWorkOrderFile, formatLocatedIssue, readWorkOrderFile } from './workorder-file';

describe('workorder-file', () => {
  let dir: string;
  const write = (name: string, text: string): string => {
    const file = join(dir, name);
    writeFileSync(file, text);
    return file;
  };

  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'sc-wo-file-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a valid YAML work-order and fills in the schema defaults', async () => {
    const file = write('ok.yaml', 'title: Say hello\ninstructions: Echo it back.\n');
    const order = await readWorkOrderFile(file);
    expect(order).toMatchObject({ title: 'Say hello', instructions: 'Echo it back.', plugin: 'echo' });
  });

  it('maps each failing path of a YAML file to the line of its key', async () => {
    const file = write(
      'bad.yaml',
      [
        'title: Say hello',
        'instructions: Echo it back.',
        'labels:',
        '  - ok',
        '  - 42',
        'budget:',
        '  max_tokens: 0',
        'colour: red',
        '',
      ].join('\n'),
    );
    const check = await checkWorkOrderFile(file);
    expect(check.ok).toBe(false);
    const issues = check.ok ? [] : check.issues;
    expect(issues).toEqual(
      expect.arrayContaining([
        { path: '/labels/1', message: 'must be string', line: 5 },
        { path: '/budget/max_tokens', message: 'must be >= 1', line: 7 },
        { path: '/colour', message: 'is not a known field', line: 8 },
      ]),
    );
  });

  it('maps paths in a JSON file to lines, and a missing field to its parent', async () => {
    const file = write('bad.json', '{\n  "instructions": "x",\n  "budget": {\n    "max_tokens": -5\n  }\n}\n');
    const check = await checkWorkOrderFile(file);
    const issues = check.ok ? [] : check.issues;
    expect(issues).toEqual(
      expect.arrayContaining([
        { path: '/title', message: 'is required', line: 1 },
        { path: '/budget/max_tokens', message: 'must be >= 1', line: 4 },
      ]),
    );
  });

  it('formats an issue as file:line path: message', () => {
    expect(formatLocatedIssue('wo.yaml', { path: '/budget/max_tokens', message: 'must be >= 1', line: 12 })).toBe(
      'wo.yaml:12 /budget/max_tokens: must be >= 1',
    );
  });

  it('lists every issue in the one line readWorkOrderFile throws', async () => {
    const file = write('two.yaml', 'instructions: x\npriority: 11\n');
    await expect(readWorkOrderFile(file)).rejects.toThrow(
      /two\.yaml:1 \/title: is required; .*two\.yaml:2 \/priority: must be <= 10/,
    );
  });

  it('reports a JSON syntax error with its line and column', async () => {
    const file = write('syntax.json', '{\n  "title": "x",\n  "instructions": }\n');
    const error = await readWorkOrderFile(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toBe(`${file}:3:19 invalid JSON: unexpected "}"`);
  });

  it('reports a truncated JSON file as an unexpected end of file', async () => {
    const file = write('cut.json', '{\n  "title": "x",\n');
    await expect(readWorkOrderFile(file)).rejects.toThrow(`${file}:3:1 invalid JSON: unexpected end of file`);
  });

  it('reports a YAML syntax error with its line and column', async () => {
    const file = write('syntax.yaml', 'title: x\ntitle: y\n');
    await expect(readWorkOrderFile(file)).rejects.toThrow(`${file}:2:1 invalid YAML: Map keys must be unique`);
  });

  it('says so in one line when the file cannot be read', async () => {
    const file = join(dir, 'missing.yaml');
    await expect(readWorkOrderFile(file)).rejects.toThrow(`${file}: cannot read (ENOENT)`);
  });
});
