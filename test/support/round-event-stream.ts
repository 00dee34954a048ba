import type { RoundEvent } from '@sc/schemas';
import { createParser, type EventSourceMessage } from 'eventsource-parser';

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
