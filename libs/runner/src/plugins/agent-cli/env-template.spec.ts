import { renderEnvTemplate } from './env-template';

const values = {
  SC_PORT_BASE: 20_100,
  SC_PORT_COUNT: 10,
  SC_ROUND_ID: 'r-1',
  SC_AGENT: 'codex',
  SC_WORKORDER_ID: 'wo-1',
};

describe(renderEnvTemplate.name, () => {
  it('fills the SC_ placeholders and leaves every other ${NAME} to the tools that read .env', () => {
    const template =
      'PORT=${SC_PORT_BASE}\nDB_PORT=${SC_PORT_BASE+9}\nDB=app_${SC_AGENT}_${SC_ROUND_ID}\nURL=http://localhost:${PORT}/${SC_WORKORDER_ID}\n';
    expect(renderEnvTemplate(Buffer.from(template), values)).toBe(
      'PORT=20100\nDB_PORT=20109\nDB=app_codex_r-1\nURL=http://localhost:${PORT}/wo-1\n',
    );
  });

  it.each([
    [
      'a name of its own',
      'A=1\nB=${SC_SECRET}',
      /^\.sc\/env\.template line 2: unknown placeholder \$\{SC_SECRET\} \(known: /,
    ],
    ['+<n> on another name', 'A=${SC_AGENT+1}', '.sc/env.template line 1: ${SC_AGENT+1}: only SC_PORT_BASE takes +<n>'],
    [
      'a port past the block',
      'A=${SC_PORT_BASE+10}',
      ".sc/env.template line 1: ${SC_PORT_BASE+10} is past the agent's 10 ports (SC_PORT_COUNT)",
    ],
  ])('refuses %s, naming the line', (_what, template, error) => {
    expect(() => renderEnvTemplate(Buffer.from(template), values)).toThrow(error);
  });

  it('refuses a file that is not UTF-8 text', () => {
    expect(() => renderEnvTemplate(Buffer.from([0x41, 0xff, 0xfe]), values)).toThrow(
      '.sc/env.template: not UTF-8 text',
    );
    expect(() => renderEnvTemplate(Buffer.from('A=1\u0000'), values)).toThrow(
      '.sc/env.template: not a text file (it holds NUL bytes)',
    );
  });
});
