/** A bot command read from a comment: `/sc run [plugin] [text]`, `/sc fix [text]` or `/sc cancel`. */
export type ScCommand =
  { type: 'run'; plugin?: string; text: string } | { type: 'fix'; text: string } | { type: 'cancel' };

const commandLine = /^\/sc\s+(run|fix|cancel)\b[ \t]*(.*)$/i;
const pluginName = /^[a-z0-9][a-z0-9-]{0,63}$/;

/**
 * The command a comment gives, or undefined when its first line is not one (ordinary conversation). The
 * word after `run` names the plugin only when `isPlugin` knows it, so `/sc run fix the tests` is all text.
 * Lines after the first are part of the text, so longer instructions fit in one comment.
 */
export function parseScCommand(body: string, isPlugin: (name: string) => boolean): ScCommand | undefined {
  const [first = '', ...rest] = body.replace(/\r\n/g, '\n').trim().split('\n');
  const match = commandLine.exec(first.trim());
  if (!match) return undefined;
  const type = match[1].toLowerCase();
  if (type === 'cancel') return { type: 'cancel' };
  if (type === 'fix') return { type: 'fix', text: [match[2], ...rest].join('\n').trim() };
  const words = match[2].trim().split(/\s+/).filter(Boolean);
  const plugin = words[0] !== undefined && pluginName.test(words[0]) && isPlugin(words[0]) ? words.shift() : undefined;
  const text = [words.join(' '), ...rest].join('\n').trim();
  return plugin === undefined ? { type: 'run', text } : { type: 'run', plugin, text };
}
