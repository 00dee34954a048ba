/** How often the group is probed while it is being stopped. */
const probeIntervalMs = 25;
/** How long a SIGKILLed group may take to disappear (orphans are reaped by init, not by us). */
const reapTimeoutMs = 10_000;

/** A process group, addressed by its leader's pid (a `detached` child is the leader of its own group). */
export class ProcessGroup {
  constructor(readonly pgid: number) {}

  /** Whether any process of the group is still there (`kill(-pgid, 0)` does not fail with ESRCH). */
  isAlive(): boolean {
    return this.send(0);
  }

  /** Sends `signal` to every process of the group; false when the group no longer exists. */
  send(signal: NodeJS.Signals | 0): boolean {
    try {
      process.kill(-this.pgid, signal);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
      // EPERM: a member changed its user; it still exists, and we can do no more about it.
      if ((error as NodeJS.ErrnoException).code === 'EPERM') return true;
      throw error;
    }
  }

  /** SIGTERM, then SIGKILL when the group is still there after `graceMs`; resolves once it is gone. */
  async terminate(graceMs: number): Promise<void> {
    if (!this.send('SIGTERM')) return;
    if (await this.waitUntilGone(graceMs)) return;
    if (!this.send('SIGKILL')) return;
    await this.waitUntilGone(reapTimeoutMs);
  }

  private async waitUntilGone(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.isAlive()) {
      if (Date.now() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, probeIntervalMs));
    }
    return true;
  }
}
