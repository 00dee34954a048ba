import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSc } from './run-sc';

describe('sc validate', () => {
  let dir: string;
  const write = (name: string, text: string | Buffer): string => {
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

  it("checks the plugin and its params against this machine's plugins, with lines", async () => {
    const unknown = write('unknown-plugin.yaml', 'title: x\ninstructions: y\nplugin: nope\n');
    const shell = write(
      'shell-params.yaml',
      'title: x\ninstructions: y\nplugin: shell\nparams:\n  commands: npm test\n',
    );
    const { code, stdout, stderr } = await runSc(['validate', unknown, shell]);
    expect(code).toBe(2);
    expect(stdout).toBe(
      `✗ ${unknown}:3 /plugin: is not a plugin on this machine; known plugins: agent-cli, echo, shell\n✗ ${shell}:5 /params/commands: must be array\n`,
    );
    expect(stderr).toBe('2 of 2 work-order file(s) invalid\n');
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

  /** Nine levels of nine aliases: a few hundred bytes that expand to 9^9 strings if read naively. */
  const aliasBomb = (): string => {
    const levels = ['a0: &a0 [x, x, x, x, x, x, x, x, x]'];
    for (let level = 1; level < 9; level++)
      levels.push(`a${level}: &a${level} [${Array.from({ length: 9 }, () => `*a${level - 1}`).join(', ')}]`);
    return `${levels.join('\n')}\ntitle: x\ninstructions: y\n`;
  };

  it.each([
    ['truncated JSON', 'cut.json', '{"title": "x", "instr', /^FILE:1:22 invalid JSON: unexpected end of file$/],
    ['truncated YAML', 'cut.yaml', 'title: x\ninstructions: "abc', /^FILE:2:\d+ invalid YAML: Missing closing "quote/],
    [
      'binary bytes named .json',
      'random.json',
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff, 0xfe]),
      /^FILE:1:1 invalid JSON: unexpected /,
    ],
    [
      'a repeated key in JSON',
      'dup.json',
      '{"title": "x", "title": "y", "instructions": "z"}',
      /^FILE:1:\d+ invalid JSON: Map keys must be unique/,
    ],
    [
      'a repeated key in YAML',
      'dup.yaml',
      'title: x\ntitle: y\ninstructions: z\n',
      /^FILE:2:1 invalid YAML: Map keys must be unique/,
    ],
    ['an empty file', 'empty.json', '', /^FILE:1:1 invalid JSON: unexpected end of file$/],
    ['an alias bomb', 'bomb.yaml', aliasBomb(), /^FILE: invalid YAML: Excessive alias count/],
    [
      'a file over 4 MiB',
      'huge.json',
      `{"title": "x", "instructions": "${'y'.repeat(5 * 1024 * 1024)}"}`,
      /^FILE: \d+ bytes is larger than a work-order can be \(4 MiB\)$/,
    ],
    ['a folder', 'folder.json', undefined, /^FILE: cannot read \(EISDIR\)$/],
  ])('refuses %s with one line on stderr and exit 2', async (_what, name, content, line) => {
    const file = content === undefined ? join(dir, name) : write(name, content);
    if (content === undefined) mkdirSync(file);
    const { code, stdout, stderr } = await runSc(['validate', file]);
    expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
    expect(stderr.endsWith('\n') && stderr.split('\n').length).toBe(2);
    expect(stderr.trimEnd().replace(file, 'FILE')).toMatch(line);
  });

  it.each([
    ['JSON', 'bom.json', '{"title": "x", "instructions": "y"}'],
    ['YAML', 'bom.yaml', 'title: x\ninstructions: y\n'],
  ])('accepts %s that starts with a UTF-8 byte-order mark', async (_what, name, text) => {
    const file = write(name, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]));
    expect(await runSc(['validate', file])).toEqual({ code: 0, stdout: `✓ ${file}\n`, stderr: '' });
  });
});
