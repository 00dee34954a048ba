import fc from 'fast-check';
import { decodeCursor, encodeCursor } from './cursor';

describe('cursor', () => {
  it('round-trips a position', () => {
    const cursor = { createdAt: '2026-11-25T11:32:10.123Z', id: 'a4b1c2d3-0000-4000-8000-000000000000' };
    expect(decodeCursor(encodeCursor(cursor))).toEqual(cursor);
  });

  it('is opaque and URL-safe', () => {
    expect(encodeCursor({ createdAt: '2026-11-25T11:32:10.123Z', id: 'x/y+z' })).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it.each([
    '',
    'not a cursor',
    '!!!',
    Buffer.from('{"a":1}').toString('base64url'),
    Buffer.from('[2,"2026-11-25T11:32:10.123Z","x"]').toString('base64url'),
    Buffer.from('[1,"yesterday","x"]').toString('base64url'),
    Buffer.from('[1,"2026-11-25T11:32:10.123Z",""]').toString('base64url'),
  ])('refuses %j', (text) => {
    expect(decodeCursor(text)).toBeUndefined();
  });

  it('never throws, whatever the input', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        decodeCursor(text);
      }),
    );
  });
});
