import { styleText } from 'node:util';

type Style = Parameters<typeof styleText>[0];

/** The colour of a unified diff line, as `git diff --color` gives it; undefined for context lines. */
function styleOf(line: string): Style | undefined {
  if (line.startsWith('# agent ')) return ['bold', 'cyan'];
  if (line.startsWith('diff --git') || line.startsWith('index ') || line.startsWith('+++ ') || line.startsWith('--- ')) return 'bold';
  if (line.startsWith('@@')) return 'cyan';
  if (line.startsWith('+')) return 'green';
  if (line.startsWith('-')) return 'red';
  return undefined;
}

/** Colours a unified diff for a terminal. */
export function colourDiff(diff: string): string {
  return diff
    .split('\n')
    .map((line) => {
      const style = styleOf(line);
      return style ? styleText(style, line) : line;
    })
    .join('\n');
}
