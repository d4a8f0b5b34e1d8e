/**
 * A follow-up to an agent step, through the engine of the step's project: the step's CLI session continues, and the
 * exchange becomes two comments of the step. Answers once the agent has — or, when the step's turn is still
 * running, at once with the message queued for the end of the turn.
 */
import { eq, inArray } from 'drizzle-orm';
import type { QueuedFollowUp } from '@switchyard/workflow-engine';
import type { FollowUpResponse, QueuedFollowUp as QueuedFollowUpView } from '../../../../protocol/followUps.ts';
import { NotFoundError } from '../../../../errors.ts';
import { workflowComments, workflowRunSteps } from '../../../db/schema.ts';
import { commentView } from '../../workflow-comment/commentView.ts';
import { requireRun } from '../../workflow/runLookups.ts';
import type { WorkflowServiceDeps } from '../../workflow/services/deps.ts';

export async function followUpStep(
  deps: WorkflowServiceDeps,
  stepRowId: string,
  message: string,
): Promise<FollowUpResponse> {
  const [step] = await deps.db
    .select({ run_id: workflowRunSteps.workflow_run_id, step_id: workflowRunSteps.step_id })
    .from(workflowRunSteps)
    .where(eq(workflowRunSteps.id, stepRowId));
  if (!step) throw new NotFoundError('workflow step', stepRowId);
  const run = await requireRun(deps.db, step.run_id);
  const executor = deps.runtime.executorFor({ id: run.project_id, path: run.project_path });
  const outcome = await executor.followUp(run.id, step.step_id, message);
  if (outcome.state === 'queued') return { state: 'queued', follow_up: followUpView(outcome.followUp) };
  const rows = await deps.db
    .select()
    .from(workflowComments)
    .where(inArray(workflowComments.id, [outcome.message.id, outcome.reply.id]));
  const view = (id: string) => commentView(rows.find((row) => row.id === id)!);
  return {
    state: 'answered',
    message: view(outcome.message.id),
    reply: view(outcome.reply.id),
    session_id: outcome.result.sessionId,
    is_error: outcome.result.isError,
  };
}

export function followUpView(followUp: QueuedFollowUp): QueuedFollowUpView {
  return {
    id: followUp.id,
    workflow_run_id: followUp.runId,
    step_id: followUp.stepId,
    kind: followUp.kind,
    message: followUp.message,
    state: followUp.state,
    dedupe_key: followUp.key,
    created_at: followUp.createdAt,
  };
}
