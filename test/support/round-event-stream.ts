import { isTerminal, type RoundEvent } from '@sc/schemas';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { setTimeout as sleep } from 'node:timers/promises';

/** An entry of `GET /rounds/:id/events` as one comparable line: `<id> <what happened>`. */
export function roundEventEntry(message: EventSourceMessage): string {
  const event = JSON.parse(message.data) as RoundEvent;
  const text =
    event.type === 'transition'
      ? `${event.from ?? 'new'} → ${event.to}`
      : event.type === 'phase'
        ? `${event.phase} ${event.state}`
        : event.message;
  return `${message.id ?? '-'} ${text}`;
}

/** What an entry of {@link roundEventEntry} says happened, without its id. */
export function entryText(entry: string): string {
  return entry.slice(entry.indexOf(' ') + 1);
}

/**
 * Reads an event stream response until the server ends it, handing each event to `onEvent` as it arrives (so a
 * caller keeps what came before a broken connection); resolves with every entry, as {@link roundEventEntry}.
 */
export async function readRoundEvents(
  response: Response,
  onEvent: (message: EventSourceMessage) => void = () => undefined,
): Promise<string[]> {
  const entries: string[] = [];
  const parser = createParser({
    onEvent: (message) => {
      entries.push(roundEventEntry(message));
      onEvent(message);
    },
  });
  const decoder = new TextDecoder();
  for await (const chunk of response.body as AsyncIterable<Uint8Array>)
    parser.feed(decoder.decode(chunk, { stream: true }));
  return entries;
}

/**
 * Follows a Round's event stream to the Round's end as a client behind a load balancer does: a connection that
 * breaks, or closes before the end (its orchestrator stopped), is made again to `baseUrl(attempt)` (skipped
 * while it answers undefined) after the last event id seen (`Last-Event-ID`). Every entry received, as
 * {@link roundEventEntry}.
 */
export async function followRoundEvents(
  roundId: string,
  baseUrl: (attempt: number) => string | undefined,
  timeoutMs = 240_000,
): Promise<string[]> {
  const seen: string[] = [];
  let lastId: string | undefined;
  let hasEnded = false;
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; !hasEnded; attempt++) {
    if (Date.now() > deadline)
      throw new Error(`round ${roundId} did not end within ${timeoutMs} ms: ${seen.join(', ')}`);
    const url = baseUrl(attempt);
    if (url !== undefined) {
      try {
        const response = await fetch(`${url}/rounds/${roundId}/events`, {
          headers: { accept: 'text/event-stream', ...(lastId ? { 'last-event-id': lastId } : {}) },
          signal: AbortSignal.timeout(deadline - Date.now()),
        });
        if (!response.ok) throw new Error(`answered ${response.status}`);
        await readRoundEvents(response, (message) => {
          seen.push(roundEventEntry(message));
          lastId = message.id ?? lastId;
          const event = JSON.parse(message.data) as RoundEvent;
          hasEnded = event.type === 'transition' && isTerminal(event.to);
        });
      } catch {
        // Broken, refused or answered with an error: the next attempt goes on where this one got to.
      }
    }
    if (!hasEnded) await sleep(200);
  }
  return seen;
}
