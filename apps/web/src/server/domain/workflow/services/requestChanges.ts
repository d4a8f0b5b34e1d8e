/**
 * Requesting changes at a gate: the reviewer's comment is kept as a run comment, and the phase before the gate runs
 * again with it — its agent steps continue their sessions with the comment as a follow-up, its other steps run as in
 * any re-run (the engine's `requestChanges`). A worker claims the run; it waits at the gate again afterwards.
 */
import { ChangesRefusedError } from '@switchyard/workflow-engine';
import type { RunDetail } from '../../../../protocol/runs.ts';
import { createComment } from '../../workflow-comment/services/createComment.ts';
import { requireRun } from '../runLookups.ts';
import type { WorkflowServiceDeps } from './deps.ts';
import { getWorkflowRunById } from './getWorkflowRunById.ts';

export async function requestChanges(deps: WorkflowServiceDeps, runId: string, comment: string): Promise<RunDetail> {
  const ref = await requireRun(deps.db, runId);
  const project = { id: ref.project_id, path: ref.project_path };
  const executor = deps.runtime.executorFor(project);
  const run = await executor.store.getRun(runId);
  // Refused before the comment is written: a comment of a request that was not made would mislead its readers.
  if (run?.status !== 'waiting' || !run.waitingGate) {
    throw new ChangesRefusedError(runId, `it waits at no gate (it is ${run?.status ?? 'gone'})`);
  }
  const definition = await deps.runtime.pinnedDefinition(project, runId);
  await createComment(deps, { runId, text: comment });
  await executor.requestChanges(runId, comment, definition);
  deps.wakeWorkers();
  return getWorkflowRunById(deps, runId);
}
