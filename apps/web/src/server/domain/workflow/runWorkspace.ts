/**
 * A run's workspace as the API shows it, from the `workspace.json` the engine wrote at the run's start, and
 * whether its branch can be merged into its base now.
 */
import { checkMerge, ExecutionFiles, TERMINAL_RUN_STATUSES, WorkspaceError } from '@switchyard/workflow-engine';
import type { RunStatus, WorkspaceRecord } from '@switchyard/workflow-engine';
import type { RunMerge, RunWorkspace } from '../../../protocol/runs.ts';
import { projectLayout } from '../project/projectLayout.ts';

/** The run's workspace record; a run started before workspaces existed works in place. */
export function readRunWorkspace(projectPath: string, runId: string): Promise<WorkspaceRecord> {
  return new ExecutionFiles(projectLayout(projectPath).executionsDir, runId).readWorkspace();
}

export function workspaceView(record: WorkspaceRecord): RunWorkspace {
  if (record.mode === 'in-place') {
    return { mode: 'in-place', branch: null, base: null, base_ref: null, path: null, note: record.note ?? null };
  }
  return {
    mode: 'worktree',
    branch: record.branch,
    base: record.base,
    base_ref: record.baseRef,
    path: record.path,
    note: record.note ?? null,
  };
}

const FINISHED: ReadonlySet<RunStatus> = new Set(TERMINAL_RUN_STATUSES);

export const IN_PLACE_MERGE: RunMerge = {
  state: 'in_place',
  reason: 'the run works in place, in the project directory itself: it has no branch to merge',
  base: null,
  ahead: 0,
  behind: 0,
};

/**
 * Why the run cannot be merged whatever git says — it works in place, or it has not finished (its branch may still
 * gain commits) — else undefined.
 */
export function mergeRefusalOfRun(status: RunStatus, record: WorkspaceRecord): RunMerge | undefined {
  if (record.mode === 'in-place') return IN_PLACE_MERGE;
  if (FINISHED.has(status)) return undefined;
  return {
    state: 'run_not_finished',
    reason: `the run is ${status}, and its branch may still gain commits; merge it once it has finished`,
    base: record.baseRef,
    ahead: 0,
    behind: 0,
  };
}

/** Whether the run's branch can be merged now: no git at all for a run in place or not finished, else two calls. */
export async function mergeView(status: RunStatus, record: WorkspaceRecord): Promise<RunMerge> {
  if (record.mode === 'in-place') return IN_PLACE_MERGE;
  const refused = mergeRefusalOfRun(status, record);
  if (refused) return refused;
  try {
    const { state, reason, base, ahead, behind } = await checkMerge(record);
    return { state, reason, base, ahead, behind };
  } catch (error) {
    // A repository moved or deleted since the run must not take the run's detail down with it.
    if (!(error instanceof WorkspaceError)) throw error;
    return { state: 'git_failed', reason: error.message, base: record.baseRef, ahead: 0, behind: 0 };
  }
}

export async function runWorkspaceView(
  projectPath: string,
  run: { id: string; status: RunStatus },
): Promise<{ workspace: RunWorkspace; merge: RunMerge }> {
  const record = await readRunWorkspace(projectPath, run.id);
  return { workspace: workspaceView(record), merge: await mergeView(run.status, record) };
}
