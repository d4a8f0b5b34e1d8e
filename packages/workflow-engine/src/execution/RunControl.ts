/**
 * While a worker runs a run: keeps its lease alive and watches for pause and cancel requests that may come from
 * another process. A request aborts the running step through {@link RunControl.signal}; between steps
 * {@link RunControl.atBoundary} turns a request into a suspension.
 */
import { LeaseLostError } from '../errors.ts';
import type { RunStore } from '../ports.ts';
import type { Lease, WorkflowRun } from '../types/workflow.ts';
import { RunSuspended } from './RunSuspended.ts';
import type { Suspension } from './RunSuspended.ts';

export interface RunControlOptions {
  leaseTtlMs: number;
  pollMs: number;
}

export class RunControl {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private lastRenewal = Date.now();
  private polling: Promise<void> | undefined;
  private draining = false;
  /** Calls of {@link poll}: a look begun before the latest one may predate the request that caused it. */
  private polls = 0;
  /** The run as the latest look saw it, when that look began and how many `poll()` calls preceded it. */
  private seen: { run: WorkflowRun | undefined; at: number; polls: number } | undefined;

  constructor(
    private readonly store: RunStore,
    readonly runId: string,
    public lease: Lease,
    private readonly options: RunControlOptions,
  ) {}

  /** Aborted when the running step must stop: cancel, pause-now, or the lease went to another worker. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Why the signal fired. */
  get suspension(): Suspension | undefined {
    return this.controller.signal.aborted ? (this.controller.signal.reason as Suspension) : undefined;
  }

  /** What a read of the run just saw (the claim answers it): a look as fresh as one of our own. */
  observe(run: WorkflowRun): void {
    this.seen = { run, at: Date.now(), polls: this.polls };
  }

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.options.pollMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Looks at the run now rather than at the next tick (an in-process cancel). */
  poll(): Promise<void> {
    this.polls++;
    return this.tick();
  }

  private tick(): Promise<void> {
    this.polling ??= this.check().finally(() => (this.polling = undefined));
    return this.polling;
  }

  private async look(): Promise<WorkflowRun | undefined> {
    const begun = { at: Date.now(), polls: this.polls };
    const run = await this.store.getRun(this.runId);
    if (!this.seen || this.seen.at <= begun.at) this.seen = { run, ...begun };
    return run;
  }

  private async check(): Promise<void> {
    if (this.signal.aborted) return;
    try {
      if (Date.now() - this.lastRenewal >= this.options.leaseTtlMs / 3) {
        this.lease = await this.store.renewLease(this.runId, this.lease, this.options.leaseTtlMs);
        this.lastRenewal = Date.now();
      }
      const run = await this.look();
      const request = run && requestOf(run);
      if (request && (request.status === 'cancelled' || run.pauseRequested === 'now')) this.abort(request);
    } catch (error) {
      if (error instanceof LeaseLostError) this.abort({ status: 'lease_lost' });
      // Other errors (a store briefly unavailable) are retried at the next tick.
    }
  }

  abort(suspension: Suspension): void {
    if (!this.signal.aborted) this.controller.abort(suspension);
  }

  /** This process is shutting down: the run stops at its next step boundary, its running step goes on meanwhile. */
  drain(): void {
    this.draining = true;
  }

  /** At a step boundary: a pending request, or an earlier abort, suspends the run here. */
  async atBoundary(): Promise<void> {
    if (this.suspension) throw new RunSuspended(this.suspension);
    if (this.draining) throw new RunSuspended({ status: 'shutdown' });
    // A look younger than the poll interval stands in for a read of our own (on a database a read per step is a
    // round trip). A request from this process calls `poll()`, which makes every earlier look stale, so it is seen
    // at the next boundary as before. One from another process is seen at the first boundary after a poll has
    // looked, up to `pollMs` later than before: short steps started in that time still run (and a cancel aborts
    // the running step at that poll either way).
    const seen = this.seen;
    const fresh = seen && seen.polls === this.polls && Date.now() - seen.at < this.options.pollMs;
    const run = fresh ? seen.run : await this.look();
    const request = run && requestOf(run);
    if (request) {
      this.abort(request);
      throw new RunSuspended(request);
    }
  }
}

function requestOf(run: WorkflowRun): Suspension | undefined {
  if (run.cancelRequested) return { status: 'cancelled' };
  if (run.pauseRequested) return { status: 'paused' };
  return undefined;
}
