import { MaxFollowUpChars } from '@sc/schemas';
import { AutomaticFixReason } from '../rounds/round-links.service';
import type { ReviewLineComment } from './github.client';
import { roundLink } from './round-comment';

/**
 * Why the PR loop starts an attempt: what the agents are told (`followUp`), the transition's reason, and
 * whether it counts against `SC_PR_FIX_LIMIT` (`isAutomatic`: a review or a check, nobody asked the bot).
 */
export interface PullRequestFix {
  followUp: string;
  reason: string;
  isAutomatic: boolean;
}

// The end of a failed job's log the agents get: where the error usually is, and small enough for a prompt.
export const LogTailChars = 6_000;

/** A review requesting changes: its text and its comments on lines of the diff. `review.id` makes the reason unique to it. */
export function reviewFix(
  pullNumber: number,
  review: { id: number; login: string; body: string | null },
  comments: ReviewLineComment[] = [],
): PullRequestFix {
  const lines = comments.map(
    (comment) =>
      `- ${comment.path}${comment.line === undefined ? '' : `:${comment.line}`}: ${comment.body.trim().replace(/\n/g, '\n  ')}`,
  );
  const body = review.body?.trim();
  const text =
    [body, lines.length > 0 ? `On lines of the diff:\n${lines.join('\n')}` : undefined].filter(Boolean).join('\n\n') ||
    '(the review has no text)';
  return {
    followUp: limit(
      `A review of pull request #${pullNumber} by @${review.login} requests changes:\n\n${text}\n\nChange the branch to address it.`,
    ),
    reason: `${AutomaticFixReason} (review ${review.id}): @${review.login} requested changes on #${pullNumber}`,
    isAutomatic: true,
  };
}

/** `/sc fix [text]` in a comment, on the pull request or on a line of its diff (`at`: `path:line`). */
export function commandFix(pullNumber: number, login: string, text: string, at?: string): PullRequestFix {
  const where = at === undefined ? `on pull request #${pullNumber}` : `on pull request #${pullNumber}, at ${at}`;
  const asked = text || 'Fix what the reviews and failed checks of this pull request point out.';
  return {
    followUp: limit(`@${login} asks ${where}:\n\n${asked}`),
    reason: `fix requested by @${login} on #${pullNumber}`,
    isAutomatic: false,
  };
}

/** The reason's start of an automatic fix of a failed check on commit `sha`: one such fix per head commit. */
export function checkFixReasonPrefix(sha: string): string {
  return `${AutomaticFixReason} (commit ${sha})`;
}

/** A failed check run or workflow job on the head commit: its name, how it ended and the end of its log. */
export function checkFix(
  pullNumber: number,
  check: { name: string; sha: string; conclusion: string; log: string },
): PullRequestFix {
  const log = check.log.trim()
    ? `The end of its log:\n\n\`\`\`\n${check.log.trimEnd().slice(-LogTailChars)}\n\`\`\``
    : 'It left no log or output.';
  return {
    followUp: limit(
      `The check "${check.name}" ended ${check.conclusion} on commit ${check.sha.slice(0, 12)}, the head of pull request #${pullNumber}. ${log}\n\nFix the cause on the branch.`,
    ),
    reason: `${checkFixReasonPrefix(check.sha)}: check "${check.name}" ${check.conclusion} on #${pullNumber}`,
    isAutomatic: true,
  };
}

/** The bot's comment once the PR loop queued another attempt of the Round; edited again when it ends. */
export function renderFixQueuedComment(
  roundId: string,
  attempt: number,
  fix: PullRequestFix,
  publicUrl: string | undefined,
): string {
  return [
    `Solar Circuit queued attempt ${attempt} of Round ${roundLink(roundId, publicUrl)}: ${fix.reason}.`,
    '',
    `Its commits go to this pull request. Follow it with \`sc rounds watch ${roundId}\`; comment \`/sc cancel\` to stop it.`,
  ].join('\n');
}

/** Said once the automatic attempts of a pull request reached `SC_PR_FIX_LIMIT`. */
export function renderFixLimitComment(limitCount: number, fix: PullRequestFix): string {
  return `Solar Circuit did not start another attempt (${fix.reason}): this pull request had ${limitCount} automatic attempt(s), the limit (SC_PR_FIX_LIMIT). Comment \`/sc fix [what to do]\` to ask for one.`;
}

function limit(text: string): string {
  return text.length <= MaxFollowUpChars ? text : `${text.slice(0, MaxFollowUpChars - 1)}…`;
}
