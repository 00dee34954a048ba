import {
  MaxEventsPerJob,
  WorkerProtocol,
  type LogEvent,
  type PhaseEvent,
  type Report,
  type RoundFinishedMessage,
  type RoundMessage,
  type RoundStartedMessage,
  type WorkerEvent,
  type WorkOrderJob,
} from '@sc/schemas';

/** Where an {@link AttemptPublisher} sends: each resolves once its items reached the queue. */
export interface AttemptSenders {
  messages: (messages: RoundMessage[]) => Promise<void>;
  /** Best effort: never rejects. */
  events: (events: WorkerEvent[]) => Promise<void>;
}

/**
 * What the worker tells the orchestrator about one attempt (the worker's side of `WorkerProtocol`, rules 1–2).
 * `started` and the events so far go out when the hold is up, when asked to ({@link flush}) or together with
 * `finished`, whichever comes first; `started` always before `finished`, and events in the order they happened.
 * Holding back makes a short Round one `reports` job and one transaction instead of two of each (bench/README.md),
 * much as Temporal writes a retried activity's start event only with its end.
 */
export class AttemptPublisher {
  private readonly startedMessage: RoundStartedMessage;
  /** Set once `started` is on its way. */
  private started?: Promise<void>;
  private held: (PhaseEvent | LogEvent)[] = [];
  /** The length of the held log lines: what makes events large. */
  private heldChars = 0;
  private readonly timer: NodeJS.Timeout;
  private isAbandoned = false;

  constructor(
    private readonly job: WorkOrderJob,
    worker: string,
    private readonly send: AttemptSenders,
    holdMs: number = WorkerProtocol.startedHoldMs,
  ) {
    this.startedMessage = { type: 'started', round_id: job.round_id, attempt: job.attempt, worker, at: now() };
    // A failure here is seen by whoever awaits `started` next (flush or finish), which fails the job.
    this.timer = setTimeout(() => void this.flush().catch(() => undefined), holdMs);
  }

  /**
   * Sends nothing more about the attempt: this worker lost its job's lock, and another may be running the
   * attempt by now. What is already on its way still goes.
   */
  abandon(): void {
    clearTimeout(this.timer);
    this.isAbandoned = true;
    this.held = [];
  }

  /** A phase or log event: sent now once `started` is out, else held back with it. */
  event(event: PhaseEvent | LogEvent): void {
    if (this.isAbandoned) return;
    if (this.started) return void this.send.events([event]);
    this.held.push(event);
    if (event.type === 'log') this.heldChars += event.message.length;
  }

  /** Sends `started` and the held events unless they are on their way; resolves once `started` reached the queue. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    if (this.isAbandoned) return Promise.resolve();
    if (!this.started) {
      this.started = this.send.messages([this.startedMessage]);
      void this.sendHeld();
    }
    return this.started;
  }

  /**
   * Sends `finished` with `report` and the end marker of the attempt's events (after them); resolves once both
   * reached the queue. While `started` is still held back, it goes in one batch with `finished`, which carries
   * the held events too when they fit one job.
   */
  async finish(report: Report): Promise<void> {
    clearTimeout(this.timer);
    if (this.isAbandoned) return;
    const finished: RoundFinishedMessage = {
      type: 'finished',
      round_id: report.round_id,
      attempt: report.attempt,
      report,
      at: now(),
    };
    const end: WorkerEvent = { type: 'end', round_id: this.job.round_id, attempt: this.job.attempt, at: now() };
    if (this.started) {
      await Promise.all([this.started.then(() => this.send.messages([finished])), this.send.events([end])]);
      return;
    }
    if (this.held.length < MaxEventsPerJob && this.heldChars <= WorkerProtocol.maxCarriedEventsChars) {
      this.started = this.send.messages([this.startedMessage, { ...finished, events: [...this.held.splice(0), end] }]);
      return this.started;
    }
    this.started = this.send.messages([this.startedMessage, finished]);
    await Promise.all([this.started, this.sendHeld(end)]);
  }

  private sendHeld(...after: WorkerEvent[]): Promise<void> {
    const events: WorkerEvent[] = [...this.held.splice(0), ...after];
    return events.length > 0 ? this.send.events(events) : Promise.resolve();
  }
}

function now(): string {
  return new Date().toISOString();
}
