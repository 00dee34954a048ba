import { editDistance, suggestCommands } from './command-suggestions';

const ids = [
  'commit',
  'doctor',
  'plugins:list',
  'pr',
  'report',
  'rounds:cancel',
  'rounds:list',
  'rounds:retry',
  'rounds:show',
  'rounds:watch',
  'run',
  'submit',
  'up',
  'validate',
  'wo:new',
];

describe(suggestCommands.name, () => {
  it('suggests the command a habit word from other CLIs stands for', () => {
    expect(suggestCommands('ls', ids)).toEqual({ typed: 'ls', suggestions: ['rounds:list'] });
    expect(suggestCommands('kill:0193', ids)).toEqual({ typed: 'kill', suggestions: ['rounds:cancel'] });
  });

  it('suggests commands a typo away, closest first', () => {
    expect(suggestCommands('round:list', ids).suggestions).toEqual(['rounds:list']);
    expect(suggestCommands('plugin:list', ids).suggestions).toEqual(['plugins:list']);
    expect(suggestCommands('rounds:lst', ids).suggestions).toEqual(['rounds:list']);
    // oclif's id holds the arguments too: the words that matched are the command.
    expect(suggestCommands('sumbit:wo.json', ids)).toEqual({ typed: 'sumbit', suggestions: ['submit'] });
  });

  it("lists a topic's commands for an unknown word after it, and nothing for a word far from every command", () => {
    expect(suggestCommands('rounds:frobnicate:0193', ids)).toEqual({
      typed: 'rounds:frobnicate',
      suggestions: ['rounds:cancel', 'rounds:list', 'rounds:retry'],
    });
    expect(suggestCommands('xyzzy:x', ids)).toEqual({ typed: 'xyzzy', suggestions: [] });
    expect(suggestCommands('ab', ids).suggestions).toEqual([]);
  });

  it('does not suggest a habit command this CLI does not have', () => {
    expect(suggestCommands('logs', ids).suggestions).toEqual([]);
  });
});

describe(editDistance.name, () => {
  it('counts insertions, deletions and substitutions', () => {
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('sumbit', 'submit')).toBe(2);
    expect(editDistance('round:list', 'rounds:list')).toBe(1);
    expect(editDistance('same', 'same')).toBe(0);
  });
});
