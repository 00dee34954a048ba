/**
 * Words people type out of habit from other CLIs (`ls`, `ps`, `logs`), and the `sc` command each means
 * (command ids, topics joined by `:` as oclif spells them).
 */
const habits: Readonly<Record<string, string>> = {
  ls: 'rounds:list',
  list: 'rounds:list',
  ps: 'rounds:list',
  show: 'rounds:show',
  get: 'rounds:show',
  inspect: 'rounds:show',
  status: 'rounds:show',
  watch: 'rounds:watch',
  follow: 'rounds:watch',
  logs: 'rounds:logs',
  cancel: 'rounds:cancel',
  kill: 'rounds:cancel',
  stop: 'rounds:cancel',
  rm: 'rounds:cancel',
  retry: 'rounds:retry',
  rerun: 'rounds:retry',
  new: 'wo:new',
  init: 'wo:new',
  start: 'up',
  serve: 'up',
  check: 'validate',
  lint: 'validate',
};

const maxSuggestions = 3;

/** What an unknown command was taken to be, and the commands it most likely meant. */
export interface CommandSuggestions {
  /** The words of the id that name the command (oclif's id also holds the arguments that followed it). */
  typed: string;
  suggestions: string[];
}

/**
 * The commands an unknown `id` (oclif's: every word before the first flag, joined by `:`) most likely meant. The
 * longest run of leading words that matches wins: the command a habit word stands for, then commands a typo
 * away (`round list`, `sumbit`), closest first; failing both, for a topic followed by an unknown word, that
 * topic's commands.
 */
export function suggestCommands(id: string, commandIds: readonly string[]): CommandSuggestions {
  const words = id.split(':');
  for (let count = words.length; count > 0; count--) {
    const typed = words.slice(0, count).join(':');
    const suggestions = closeCommands(typed, commandIds);
    if (suggestions.length > 0) return { typed, suggestions };
  }
  const topicCommands = commandIds.filter((candidate) => candidate.startsWith(`${words[0]}:`));
  if (topicCommands.length > 0 && words.length > 1)
    return { typed: words.slice(0, 2).join(':'), suggestions: topicCommands.slice(0, maxSuggestions) };
  return { typed: words[0], suggestions: [] };
}

function closeCommands(typed: string, commandIds: readonly string[]): string[] {
  const habit = habits[typed];
  // Up to two edits (a swapped pair, a missing or doubled letter), fewer for short words: `ls` is not a typo of `up`.
  const maxDistance = Math.min(2, Math.floor(typed.length / 3));
  const near = commandIds
    .map((candidate) => ({ candidate, distance: editDistance(typed, candidate) }))
    .filter(({ distance }) => distance <= maxDistance)
    .sort((a, b) => a.distance - b.distance || a.candidate.localeCompare(b.candidate))
    .map(({ candidate }) => candidate);
  const found = habit && commandIds.includes(habit) ? [habit, ...near] : near;
  return [...new Set(found)].slice(0, maxSuggestions);
}

/** Levenshtein distance: the fewest single-character insertions, deletions and substitutions from `a` to `b`. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}
