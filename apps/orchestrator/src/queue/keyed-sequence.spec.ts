import { KeyedSequence } from './keyed-sequence';

function deferred(): { promise: Promise<void>; resolve: () => void; reject: (error: Error) => void } {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

describe(KeyedSequence.name, () => {
  it('runs the tasks of one key in the order they were handed in, even when an earlier one is slower', async () => {
    const sequence = new KeyedSequence();
    const order: string[] = [];
    const slow = deferred();
    const first = sequence.run('r1', async () => {
      await slow.promise;
      order.push('started');
    });
    const second = sequence.run('r1', async () => void order.push('finished'));
    await Promise.resolve();
    expect(order).toEqual([]);
    slow.resolve();
    await Promise.all([first, second]);
    expect(order).toEqual(['started', 'finished']);
  });

  it('lets different keys overlap', async () => {
    const sequence = new KeyedSequence();
    const blocked = deferred();
    const order: string[] = [];
    const a = sequence.run('a', async () => {
      await blocked.promise;
      order.push('a');
    });
    await sequence.run('b', async () => void order.push('b'));
    expect(order).toEqual(['b']);
    blocked.resolve();
    await a;
  });

  it('goes on after a failed task, passes its error to its caller, and forgets settled keys', async () => {
    const sequence = new KeyedSequence();
    const failing = sequence.run('r1', async () => {
      throw new Error('database down');
    });
    const next = sequence.run('r1', async () => 'ran');
    await expect(failing).rejects.toThrow('database down');
    await expect(next).resolves.toBe('ran');
    await new Promise((resolve) => setImmediate(resolve));
    expect(sequence.size).toBe(0);
  });
});
