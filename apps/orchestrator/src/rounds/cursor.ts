/** A position in `GET /rounds` (newest first): the last Round of a page, by its keyset (created_at, id). */
export interface RoundCursor {
  createdAt: string;
  id: string;
}

// Version tag inside the cursor, so a future change of the keyset can refuse old cursors clearly.
const version = 1;
const isoTimestamp = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** The opaque `next_cursor` string (base64url JSON): clients pass it back and never look inside. */
export function encodeCursor(cursor: RoundCursor): string {
  return Buffer.from(JSON.stringify([version, cursor.createdAt, cursor.id])).toString('base64url');
}

/** The position in `text`, or undefined when it is not a cursor this API made. */
export function decodeCursor(text: string): RoundCursor | undefined {
  if (!/^[A-Za-z0-9_-]{1,400}$/.test(text)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || parsed.length !== 3) return undefined;
  const [tag, createdAt, id] = parsed as unknown[];
  if (
    tag !== version ||
    typeof createdAt !== 'string' ||
    !isoTimestamp.test(createdAt) ||
    typeof id !== 'string' ||
    !id ||
    id.length > 64
  )
    return undefined;
  return { createdAt, id };
}
