/**
 * Stops an agent that went silent: no output line and no model call for `idleMs`. One per agent; each run
 * of the agent arms it afresh, and everything the agent does touches it.
 */
export class IdleWatchdog {
  private lastActivity = Date.now();
  private controller: AbortController | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(readonly idleMs: number) {}

  /** Starts watching a run; the signal aborts once the agent has been idle for `idleMs`. */
  arm(): AbortSignal {
    this.disarm();
    const controller = (this.controller = new AbortController());
    this.lastActivity = Date.now();
    this.timer = setInterval(
      () => {
        if (Date.now() - this.lastActivity >= this.idleMs) {
          this.disarm();
          controller.abort(new Error(`idle for ${Math.round(this.idleMs / 1000)} s`));
        }
      },
      Math.min(1_000, Math.max(50, this.idleMs / 4)),
    );
    this.timer.unref();
    return controller.signal;
  }

  /** The agent did something: printed a line, or a model call started or streamed. */
  touch(): void {
    this.lastActivity = Date.now();
  }

  /** Whether the run it watches was stopped for being idle. */
  get fired(): boolean {
    return this.controller?.signal.aborted ?? false;
  }

  disarm(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
