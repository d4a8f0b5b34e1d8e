/** Why a run stopped before its end without failing. */
export type Suspension =
  | { status: 'paused'; reason?: string }
  | { status: 'waiting'; gate: string }
  /** Sleeping in `ctx.sleep`: the run holds nothing until a worker claims it at `wakeAt`. */
  | { status: 'waiting'; wakeAt: string }
  /** Waiting for a person's answer to the input step `input` (`ctx.waitForInput`). */
  | { status: 'waiting'; input: string }
  /** Waiting for an event sent from outside (`ctx.waitForEvent`). */
  | { status: 'waiting'; event: string }
  | { status: 'cancelled' }
  | { status: 'lease_lost' }
  /**
   * The process executing the run is shutting down: nothing more is written, the lease is given back, and the next
   * process to claim the run resumes it by replay (an interrupted step runs again, as after a crash).
   */
  | { status: 'shutdown' };

/**
 * Unwinds `execute` when a run suspends. Not a `WorkflowError`: it is control flow, and the executor also
 * notices a suspension that template code caught and swallowed.
 */
export class RunSuspended extends Error {
  constructor(readonly suspension: Suspension) {
    super(`run suspended: ${suspension.status}`);
    this.name = 'RunSuspended';
  }
}

/**
 * A run's suspension, kept once it happened: template code may catch the {@link RunSuspended} that unwinds it, so
 * every later call of the context throws it again, and the executor still finds it when `execute` returns.
 */
export class SuspensionLatch {
  private latched: Suspension | undefined;

  get current(): Suspension | undefined {
    return this.latched;
  }

  suspend(suspension: Suspension): never {
    this.latched ??= suspension;
    throw new RunSuspended(this.latched);
  }

  /** Keeps a suspension without throwing: the run stops at its next call of the context, or when it returns. */
  hold(suspension: Suspension): void {
    this.latched ??= suspension;
  }

  throwIfSuspended(): void {
    if (this.latched) throw new RunSuspended(this.latched);
  }

  /** Runs `fn`, keeping a suspension it throws. */
  async guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      if (error instanceof RunSuspended) this.latched ??= error.suspension;
      throw error;
    }
  }
}
