import { roundJobId } from './queues';

describe('queue job ids', () => {
  it('names an attempt of a Round', () => {
    expect(roundJobId('0f5c', 2)).toBe('0f5c.2');
  });

  // BullMQ 6 throws "Custom Id cannot contain :" for an id with a single colon.
  it('never uses a colon, which BullMQ refuses in custom ids', () => {
    expect(roundJobId('round', 1)).not.toContain(':');
  });
});
