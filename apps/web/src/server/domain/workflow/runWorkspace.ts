/** A run's workspace as the API shows it, from the `workspace.json` the engine wrote at the run's start. */
import { ExecutionFiles } from '@switchyard/workflow-engine';
import type { WorkspaceRecord } from '@switchyard/workflow-engine';
import type { RunWorkspace } from '../../../protocol/runs.ts';
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

export async function runWorkspaceView(projectPath: string, runId: string): Promise<RunWorkspace> {
  return workspaceView(await readRunWorkspace(projectPath, runId));
}
