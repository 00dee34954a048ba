import { roundJobId, roundMessageJobId } from './queues';

describe('queue job ids', () => {
  it('names an attempt of a Round', () => {
    expect(roundJobId('0f5c', 2)).toBe('0f5c.2');
  });

  it('names a message of an attempt', () => {
    expect(roundMessageJobId('0f5c', 2, 'finished')).toBe('0f5c.2.finished');
  });

  it('tells apart the runs of an attempt that paused and resumed', () => {
    expect(roundMessageJobId('0f5c', 2, 'started', 3)).toBe('0f5c.2.started.3');
  });

  // BullMQ 6 throws "Custom Id cannot contain :" for an id with a single colon.
  it('never uses a colon, which BullMQ refuses in custom ids', () => {
    expect(roundJobId('round', 1)).not.toContain(':');
    expect(roundMessageJobId('round', 1, 'started')).not.toContain(':');
  });
});
