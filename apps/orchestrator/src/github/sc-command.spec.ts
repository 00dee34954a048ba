import { parseScCommand } from './sc-command';

const known = (name: string) => ['echo', 'agent-cli', 'shell'].includes(name);

describe(parseScCommand.name, () => {
  it('reads /sc run with a known plugin and text', () => {
    expect(parseScCommand('/sc run agent-cli make the tests pass', known)).toEqual({
      type: 'run',
      plugin: 'agent-cli',
      text: 'make the tests pass',
    });
  });

  it('keeps an unknown first word as text', () => {
    expect(parseScCommand('/sc run fix the flaky test', known)).toEqual({ type: 'run', text: 'fix the flaky test' });
  });

  it('takes the following lines as more text', () => {
    expect(parseScCommand('/sc run echo first\r\nsecond line\n', known)).toEqual({
      type: 'run',
      plugin: 'echo',
      text: 'first\nsecond line',
    });
  });

  it('reads a bare /sc run and /sc cancel', () => {
    expect(parseScCommand('  /sc run', known)).toEqual({ type: 'run', text: '' });
    expect(parseScCommand('/SC cancel please', known)).toEqual({ type: 'cancel' });
  });

  it('reads /sc fix with its text, later lines included', () => {
    expect(parseScCommand('/sc fix rename the helper\nand keep the old name as an alias', known)).toEqual({
      type: 'fix',
      text: 'rename the helper\nand keep the old name as an alias',
    });
    expect(parseScCommand('/sc fix', known)).toEqual({ type: 'fix', text: '' });
  });

  it.each([
    "You are totally right! I'll get this fixed right away.",
    'see /sc run below',
    '/scrun echo',
    '/sc runner',
    '/sc deploy',
    '/sc fixup',
  ])('ignores a comment that is not a command: %j', (body) => {
    expect(parseScCommand(body, known)).toBeUndefined();
  });
});
