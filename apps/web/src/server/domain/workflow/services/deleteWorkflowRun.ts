import { rm } from 'node:fs/promises';
import { eq } from 'drizzle-orm';
import { ExecutionFiles, InvalidTransitionError, removeWorktree } from '@switchyard/workflow-engine';
import { workflowRuns } from '../../../db/schema.ts';
import { projectLayout } from '../../project/projectLayout.ts';
import { requireRun } from '../runLookups.ts';
import type { WorkflowServiceDeps } from './deps.ts';

/**
 * Deletes a run that is not executing: its row (steps, comments and artifacts cascade) and then its execution
 * directory (snapshot, logs, checkpoints, artifact files). A worktree run's worktree goes first, its uncommitted
 * files with it; its branch and every commit on it stay, for the user to merge or delete.
 */
export async function deleteWorkflowRun(deps: WorkflowServiceDeps, runId: string): Promise<void> {
  // The database's spelling of the id (lower case), which is also its directory's name, whatever the URL said.
  const run = await requireRun(deps.db, runId);
  const current = await deps.runtime.store.getRun(run.id);
  if (current?.lease && current.lease.expiresAt > Date.now()) {
    throw new InvalidTransitionError(run.id, 'delete', 'being executed: cancel it first');
  }
  const files = new ExecutionFiles(projectLayout(run.project_path).executionsDir, run.id);
  const workspace = await files.readWorkspace();
  if (workspace.mode === 'worktree') await removeWorktree(workspace);
  await deps.db.delete(workflowRuns).where(eq(workflowRuns.id, run.id));
  await rm(files.dir, { recursive: true, force: true });
}
