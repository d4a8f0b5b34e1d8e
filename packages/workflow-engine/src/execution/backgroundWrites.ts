/**
 * Checkpoints and logs are written after the commit, off the step's path: the journal is the run's truth, so a
 * crash loses at most the newest of these files, never a step. They are in order per file and all on disk before
 * the run's worker lets it go ({@link BackgroundWrites.flush}).
 */
import type { JournalRecord } from '../ports.ts';
import type { WorkflowRun } from '../types/workflow.ts';
import { buildCheckpoint, CheckpointManager } from './CheckpointManager.ts';

export class BackgroundWrites {
  private readonly writes = new Set<Promise<void>>();
  private readonly checkpoints: CheckpointManager | undefined;

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
    // Built when its turn to be written comes: a newer checkpoint may replace it before then.
    const build = () =>
      buildCheckpoint(
        run,
        journal.sort((a, b) => a.index - b.index),
        new Date(),
      );
    this.add(this.checkpoints.save(build, stepId));
  }

  add(write: Promise<unknown>): void {
    const tracked = write.then(
      () => undefined,
      (error: unknown) => this.onError(error),
    );
    this.writes.add(tracked);
    void tracked.finally(() => this.writes.delete(tracked));
  }

  /** Waits for every write, those added while waiting too. */
  async flush(): Promise<void> {
    while (this.writes.size > 0) await Promise.all(this.writes);
  }
}
