/**
 * Requesting changes at a gate: the phase before the gate runs again with the reviewer's comment — its agent steps
 * continue their sessions with it as a follow-up, its other steps run as in any re-run (the engine's
 * `requestChanges`) — and the comment is kept as a run comment. A worker claims the run; it waits at the gate again.
 */
import type { RunDetail } from '../../../../protocol/runs.ts';
import { createComment } from '../../workflow-comment/services/createComment.ts';
import { requireRun } from '../runLookups.ts';
import type { WorkflowServiceDeps } from './deps.ts';
import { getWorkflowRunById } from './getWorkflowRunById.ts';

export async function requestChanges(deps: WorkflowServiceDeps, runId: string, comment: string): Promise<RunDetail> {
  const ref = await requireRun(deps.db, runId);
  const project = { id: ref.project_id, path: ref.project_path };
  const definition = await deps.runtime.pinnedDefinition(project, runId);
  // The engine refuses first (no gate, a gate on the first phase): a request that was not made leaves no comment.
  await deps.runtime.executorFor(project).requestChanges(runId, comment, definition);
  await createComment(deps, { runId, text: comment });
  deps.wakeWorkers();
  return getWorkflowRunById(deps, runId);
}
