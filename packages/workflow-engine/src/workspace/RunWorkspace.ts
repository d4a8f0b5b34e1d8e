/**
 * A worktree run's workspace as one execution of it sees it: the directory its steps run in, and the commit its
 * journal has reached so far. The journal is the truth here too: the worktree is brought to the commit of the last
 * step replayed before the first step that really runs, and each step that changed files adds one commit.
 */
import type { StepResult } from '../types/step.ts';
import { commitStep, restoreWorktree } from './snapshot.ts';
import type { ChangeCounts, RestoreOutcome } from './snapshot.ts';
import { openWorktree, worktreeDir } from './worktree.ts';
import type { WorktreeRecord } from './worktree.ts';

export class RunWorkspace {
  /** The commit the journal stands at: the last commit of a step replayed or run so far, else the base. */
  private head: string;
  private restored = false;

  private constructor(
    readonly record: WorktreeRecord,
    private readonly runId: string,
  ) {
    this.head = record.base;
  }

  /** Opens the run's worktree, recreating it from its branch when it was deleted. */
  static async open(
    record: WorktreeRecord,
    runId: string,
  ): Promise<{ workspace: RunWorkspace; found: 'found' | 'recreated' }> {
    const found = await openWorktree(record, record.base);
    return { workspace: new RunWorkspace(record, runId), found };
  }

  /** Where the run's steps execute: the project's directory inside the worktree. */
  get dir(): string {
    return worktreeDir(this.record);
  }

  /** A step's result, replayed or just committed: the worktree stands at its commit from here on. */
  passed(result: StepResult): void {
    if (result.commit) this.head = result.commit;
  }

  /**
   * Before the first step that really runs in this execution: the worktree is brought to the journal's commit
   * (see `restoreWorktree`). Later steps of the same execution find it as the previous step left it.
   */
  async beforeStep(options: { keepFiles: boolean }): Promise<RestoreOutcome | undefined> {
    if (this.restored) return undefined;
    const outcome = await restoreWorktree(this.dir, this.runId, this.head, options);
    this.restored = true;
    return outcome;
  }

  /**
   * Before a retry: the attempt that failed may have changed files (or committed), and the next one must start from
   * the step's base commit as the first did — what the failed one left is kept on a side ref, never lost.
   */
  async beforeRetry(failed: { stepId: string; attempt: number }): Promise<RestoreOutcome> {
    return restoreWorktree(this.dir, this.runId, this.head, { keepFiles: false, failedAttempt: failed });
  }

  /** After a step finished: its changes committed, the sha and counts (null when it changed nothing). */
  async afterStep(step: { stepId: string; name: string }): Promise<{ sha: string; changes: ChangeCounts } | null> {
    const commit = await commitStep(this.dir, { runId: this.runId, ...step });
    if (commit) this.head = commit.sha;
    return commit;
  }
}
