import type { RoundPage, RoundSummaryView } from '@sc/schemas';

/** The git trailer key that ties a commit to its work-order: `Work-Order: <id>`. */
export const WorkOrderTrailerKey = 'Work-Order';

/** The trailer for a work-order id, as `git commit --trailer` and `git interpret-trailers` take it. */
export function workOrderTrailer(workorderId: string): string {
  return `${WorkOrderTrailerKey}: ${workorderId}`;
}

/** The `Work-Order` trailer value of a commit message, if it has one. */
export function readWorkOrderTrailer(message: string): string | undefined {
  const match = new RegExp(`^${WorkOrderTrailerKey}:\\s*(\\S+)\\s*$`, 'im').exec(message);
  return match?.[1];
}

/**
 * The Round a commit on `branch` belongs to, from the Rounds `GET /rounds?branch=` listed (newest first).
 * With a work-order id (`SC_WORKORDER`), only that work-order's Rounds count.
 */
export function chooseRound(rounds: readonly RoundSummaryView[], workorderId?: string): RoundSummaryView | undefined {
  return rounds.find((round) => workorderId === undefined || round.workorder_id === workorderId);
}

/**
 * What `sc commit` adds to its "Recorded … on Round …" line when the branch holds more than one Round (a work-order
 * that continued another's branch): how many there are, so that nobody assumes the commit went to theirs.
 */
export function describeSharedBranch(rounds: RoundPage, branch: string): string {
  if (rounds.items.length < 2) return '';
  return `; branch ${branch} is shared by ${rounds.items.length}${rounds.next_cursor ? '+' : ''} Rounds (set SC_WORKORDER to record on another work-order's)`;
}

/** The first line of every hook `sc commit --install-hook` writes; an existing hook without it is not ours. */
export const HookMarker =
  '# Installed by `sc commit --install-hook`: adds the Work-Order trailer to plain `git commit`.';

/** True when a hook file's text was written by {@link prepareCommitMsgHook}. */
export function isOwnHook(text: string): boolean {
  return text.split('\n').slice(0, 3).includes(HookMarker);
}

/**
 * A `prepare-commit-msg` hook that asks `sc` for the work-order id (the same way `sc commit` finds it) and adds
 * the trailer unless the message has one. It never blocks a commit: without an id it leaves the message alone.
 * `scCommand` is the absolute command that runs sc (node and the bin), quoted for sh.
 */
export function prepareCommitMsgHook(scCommand: readonly string[]): string {
  const sc = scCommand.map(shellQuote).join(' ');
  return [
    '#!/bin/sh',
    HookMarker,
    '# Merges and squashes keep their own messages.',
    'case "$2" in merge|squash) exit 0 ;; esac',
    `id=$(${sc} commit --print-workorder 2>/dev/null) || exit 0`,
    '[ -n "$id" ] || exit 0',
    `exec git interpret-trailers --in-place --if-exists doNothing --trailer "${WorkOrderTrailerKey}: $id" "$1"`,
    '',
  ].join('\n');
}

function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
