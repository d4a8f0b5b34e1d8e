/**
 * Checkpoints and logs are written after the commit, off the step's path: the journal is the run's truth, so a
 * crash loses at most the newest of these files, never a step. They are in order per file and all on disk before
 * the run's worker lets it go ({@link BackgroundWrites.flush}).
 *
 * A checkpoint holds every step result so far, so one per step would write O(n²) bytes over a run of n steps.
 * They are written after the 1st, 2nd, 4th, 8th… committed step instead, and whenever the run stops here (the
 * worker flushes before it lets the run go): at most twice the final checkpoint's bytes in all, and the newest
 * file always describes the run as it stopped. After a crash the newest file may lag; the journal does not.
 */
import type { JournalRecord } from '../ports.ts';
import type { WorkflowRun } from '../types/workflow.ts';
import { buildCheckpoint, CheckpointManager } from './CheckpointManager.ts';

export class BackgroundWrites {
  private readonly writes = new Set<Promise<void>>();
  private readonly checkpoints: CheckpointManager | undefined;
  private requested = 0;
  /** The newest checkpoint asked for and not written yet. */
  private pending: { stepId: string; run: WorkflowRun; journal: JournalRecord[] } | undefined;
  private firstFailure: Error | undefined;

  /** Without a checkpoints directory no checkpoint is written; `onError` hears of every write that failed. */
  constructor(
    checkpointsDir: string | undefined,
    private readonly onError: (error: unknown) => void,
  ) {
    this.checkpoints = checkpointsDir === undefined ? undefined : new CheckpointManager(checkpointsDir);
  }

  /** The run's checkpoint after `stepId`, of the run and journal as they stand now. */
  checkpoint(stepId: string, run: WorkflowRun, journal: JournalRecord[]): void {
    if (!this.checkpoints) return;
    this.pending = { stepId, run, journal };
    this.requested++;
    if ((this.requested & (this.requested - 1)) === 0) this.writePending();
  }

  private writePending(): void {
    const pending = this.pending;
    if (!pending || !this.checkpoints) return;
    this.pending = undefined;
    // Built when its turn to be written comes: a newer checkpoint may replace it before then.
    const build = () =>
      buildCheckpoint(
        pending.run,
        pending.journal.sort((a, b) => a.index - b.index),
        new Date(),
      );
    this.add(this.checkpoints.save(build, pending.stepId));
  }

  /** The first write that failed, if one did: the run pauses on it rather than go on without its files. */
  get failure(): Error | undefined {
    return this.firstFailure;
  }

  add(write: Promise<unknown>): void {
    const tracked = write.then(
      () => undefined,
      (error: unknown) => {
        this.firstFailure ??= error instanceof Error ? error : new Error(String(error));
        this.onError(error);
      },
    );
    this.writes.add(tracked);
    void tracked.finally(() => this.writes.delete(tracked));
  }

  /** Writes the newest checkpoint, then waits for every write, those added while waiting too. */
  async flush(): Promise<void> {
    this.writePending();
    while (this.writes.size > 0) await Promise.all(this.writes);
  }
}
