/**
 * Runs tasks one after another per key, in the order they were handed in, while tasks of different keys
 * run concurrently. A failed task does not stop the ones queued behind it.
 */
export class KeyedSequence {
  private readonly tails = new Map<string, Promise<void>>();

  /** Runs `task` once every task handed in earlier for `key` has settled; resolves or rejects with it. */
  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const result = (this.tails.get(key) ?? Promise.resolve()).then(task);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    // Forget a key once its last task settled, so the map holds only Rounds with messages in flight.
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** How many keys have tasks in flight. */
  get size(): number {
    return this.tails.size;
  }
}
