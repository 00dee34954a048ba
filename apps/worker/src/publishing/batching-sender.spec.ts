import { BatchingSender } from './batching-sender';

describe(BatchingSender.name, () => {
  function recordingSender(maxBatchSize: number) {
    const batches: number[][] = [];
    let release: (() => void) | undefined;
    let isHeld = false;
    const sender = new BatchingSender<number>(async (items) => {
      batches.push(items);
      if (isHeld) await new Promise<void>((resolve) => (release = resolve));
    }, maxBatchSize);
    return { sender, batches, hold: () => (isHeld = true), release: () => ((isHeld = false), release?.()) };
  }

  it('sends an item at once when nothing is on its way, and what follows meanwhile together', async () => {
    const { sender, batches } = recordingSender(10);
    const first = sender.send(1);
    expect(batches).toEqual([[1]]);
    await Promise.all([first, sender.send(2), sender.send(3)]);
    expect(batches).toEqual([[1], [2, 3]]);
  });

  it('sends what arrives while a batch is on its way as the next batch, in order, at most maxBatchSize each', async () => {
    const { sender, batches, hold, release } = recordingSender(2);
    hold();
    const first = sender.send(1);
    const later = [2, 3, 4].map((item) => sender.send(item));
    expect(batches).toEqual([[1]]);
    release();
    await Promise.all([first, ...later]);
    expect(batches).toEqual([[1], [2, 3], [4]]);
  });

  it('sends the items of one sendAll in one batch, also behind a batch on its way', async () => {
    const { sender, batches, hold, release } = recordingSender(10);
    await sender.sendAll([1, 2]);
    hold();
    const first = sender.send(3);
    const together = sender.sendAll([4, 5]);
    release();
    await Promise.all([first, together]);
    expect(batches).toEqual([[1, 2], [3], [4, 5]]);
  });

  it('rejects the sends of a failed batch only, and goes on', async () => {
    let calls = 0;
    const sender = new BatchingSender<string>(async () => {
      calls++;
      if (calls === 1) throw new Error('redis down');
    }, 10);
    await expect(sender.send('a')).rejects.toThrow('redis down');
    await expect(sender.send('b')).resolves.toBeUndefined();
  });
});
