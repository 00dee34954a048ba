import type { ApiClient } from './api-client';
import { UsageError } from './errors';

// Shorter than a full UUID (36 characters) and made of its characters: anything else is passed on as it is.
const prefixPattern = /^[0-9a-f][0-9a-f-]{0,34}$/i;
// Enough to show that a prefix is ambiguous and which Rounds it matches.
const maxMatches = 10;

/**
 * The Round id that `id` names: a full id as it is, or the one Round whose id starts with `id` (found with
 * `GET /rounds?id_prefix=`), as `git` and `docker` take short ids. A prefix several Rounds share is a usage
 * error listing them; a prefix that matches none is passed on, so the orchestrator's 404 names it (and
 * `sc report` can still take a report id).
 */
export async function resolveRoundId(api: ApiClient, id: string): Promise<string> {
  if (!prefixPattern.test(id)) return id;
  const page = await api.listRounds({ id_prefix: id.toLowerCase(), limit: maxMatches });
  const ids = page.items.map((round) => round.id);
  if (ids.length <= 1) return ids[0] ?? id;
  const count = page.next_cursor ? `more than ${ids.length}` : String(ids.length);
  throw new UsageError(
    `${id} matches ${count} Rounds, give more of the id: ${ids.join(', ')}${page.next_cursor ? ', …' : ''}`,
  );
}
