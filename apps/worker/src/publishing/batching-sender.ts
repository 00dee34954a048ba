interface Pending<T> {
  item: T;
  resolve: () => void;
  reject: (reason: unknown) => void;
}

/**
 * Sends items in batches without delaying any: an item sent while nothing is on its way goes out at once,
 * and items that arrive while a batch is being sent go together in the next one. Under load one queue round
 * trip carries many Rounds' messages (bench/README.md); when idle each item travels alone, straight away.
 */
export class BatchingSender<T> {
  private pending: Pending<T>[] = [];
  private isSending = false;

  constructor(
    private readonly sendBatch: (items: T[]) => Promise<void>,
    private readonly maxBatchSize: number,
  ) {}

  /** Resolves once the batch holding `item` was sent; rejects with that batch's error. */
  send(item: T): Promise<void> {
    return this.sendAll([item]);
  }

  /**
   * Sends `items` in order, in one batch when they fit in the room left in it; resolves once all were sent,
   * rejects with the error of a batch that failed.
   */
  async sendAll(items: T[]): Promise<void> {
    const sent = items.map(
      (item) => new Promise<void>((resolve, reject) => this.pending.push({ item, resolve, reject })),
    );
    if (!this.isSending) {
      this.isSending = true;
      void this.drain();
    }
    await Promise.all(sent);
  }

  private async drain(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, this.maxBatchSize);
      try {
        await this.sendBatch(batch.map((entry) => entry.item));
        for (const entry of batch) entry.resolve();
      } catch (error) {
        for (const entry of batch) entry.reject(error);
      }
    }
    this.isSending = false;
  }
}
