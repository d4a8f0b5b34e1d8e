/** Creating a person's comment on a run, at run level or on one of its steps, optionally on a line of its diff. */
import type { AppDatabase } from '../../../db/connection.ts';
import { workflowComments } from '../../../db/schema.ts';
import type { EventBus } from '../../../websocket/eventBus.ts';
import { requireRun, requireStepOfRun } from '../../workflow/runLookups.ts';
import { ensureLocalUser } from '../../project/services/ensureLocalUser.ts';
import { commentView } from '../commentView.ts';
import type { Comment, CommentAnchor } from '../../../../protocol/comments.ts';

export interface CreateCommentInput {
  runId: string;
  text: string;
  /** The step's row id; absent for a run-level comment. */
  stepRowId?: string | null;
  /** The diff line the comment is on: in the step's commit for a step comment, in the run's branch otherwise. */
  anchor?: CommentAnchor | null;
}

/** Writes a `user` comment by the local user and publishes `workflow.comment.created` for the run's project. */
export async function createComment(
  deps: { db: AppDatabase; bus: EventBus },
  input: CreateCommentInput,
): Promise<Comment> {
  const run = await requireRun(deps.db, input.runId);
  const step = input.stepRowId ? await requireStepOfRun(deps.db, run.id, input.stepRowId) : null;
  const user = await ensureLocalUser(deps);
  const [row] = await deps.db
    .insert(workflowComments)
    .values({
      workflow_run_id: run.id,
      workflow_run_step_id: step?.id ?? null,
      text: input.text,
      comment_type: 'user',
      created_by: user.id,
      anchor: input.anchor ?? null,
    })
    .returning();
  const comment = commentView(row!);
  deps.bus.publish(run.project_id, {
    type: 'workflow.comment.created',
    data: { execution_id: run.id, step_id: step?.step_id ?? null, comment },
  });
  return comment;
}
