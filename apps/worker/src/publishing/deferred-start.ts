import type { RoundFinishedMessage, RoundMessage, RoundStartedMessage } from '@sc/schemas';

/**
 * How long an attempt's `started` message is held back. A Round that ends sooner tells the orchestrator it
 * started and finished in one batch: one queue job and one transaction instead of two of each (bench/README.md),
 * much as Temporal writes a retried activity's start event only with its end. 100 ms keeps the move from
 * `queued` to `running` below what a person watching the Round notices.
 */
export const startedDelayMs = 100;

/**
 * The `started` message of one attempt: sent when the delay is up, when asked to, or together with
 * `finished`, whichever comes first; never after `finished`.
 */
export class DeferredStart {
  private sent?: Promise<void>;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly message: RoundStartedMessage,
    private readonly send: (messages: RoundMessage[]) => Promise<void>,
    delayMs = startedDelayMs,
  ) {
    // A failure here is seen by whoever awaits the message next (flush or finish), which fails the job.
    this.timer = setTimeout(() => void this.flush().catch(() => undefined), delayMs);
  }

  /** Sends `started` unless it is on its way already; resolves once it reached the queue. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.sent ??= this.send([this.message]);
    return this.sent;
  }

  /** Sends `finished`: after `started`, or in one batch with it when it was still held back. */
  async finish(finished: RoundFinishedMessage): Promise<void> {
    clearTimeout(this.timer);
    if (this.sent) {
      await this.sent;
      return this.send([finished]);
    }
    this.sent = this.send([this.message, finished]);
    return this.sent;
  }
}
