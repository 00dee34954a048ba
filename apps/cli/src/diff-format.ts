// SGR codes written out: `util.styleText` decides by itself whether stdout takes colour, and the caller already has.
const bold = (text: string) => `\u001b[1m${text}\u001b[22m`;
const colour = (code: number) => (text: string) => `\u001b[${code}m${text}\u001b[39m`;
const [red, green, cyan] = [colour(31), colour(32), colour(36)];

/** How a unified diff line is shown, as `git diff --color` shows it; undefined for context lines. */
function styleOf(line: string): ((text: string) => string) | undefined {
  if (line.startsWith('# agent ')) return (text) => bold(cyan(text));
  if (line.startsWith('diff --git') || line.startsWith('index ') || line.startsWith('+++ ') || line.startsWith('--- '))
    return bold;
  if (line.startsWith('@@')) return cyan;
  if (line.startsWith('+')) return green;
  if (line.startsWith('-')) return red;
  return undefined;
}

/** Colours a unified diff for a terminal. */
export function colourDiff(diff: string): string {
  return diff
    .split('\n')
    .map((line) => styleOf(line)?.(line) ?? line)
    .join('\n');
}
