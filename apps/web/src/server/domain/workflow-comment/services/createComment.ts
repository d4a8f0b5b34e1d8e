/**
 * Creating a person's comment on a run, at run level or on one of its steps; also the run and step lookups the
 * comment and artifact services share, with the API's rules for ids that point at nothing or at another run.
 */
import { eq } from 'drizzle-orm';
import type { AppDatabase } from '../../../db/connection.ts';
import { projects, workflowComments, workflowRunSteps, workflowRuns } from '../../../db/schema.ts';
import { ApiError, invalidFields } from '../../../http/apiError.ts';
import type { EventBus } from '../../../websocket/eventBus.ts';
import { ensureLocalUser } from '../../project/services/ensureLocalUser.ts';
import { commentView } from '../commentView.ts';
import type { CommentView } from '../commentView.ts';

export type StepRow = typeof workflowRunSteps.$inferSelect;

/** The run with what the services need to address its project and its files. */
export interface RunRef {
  id: string;
  project_id: string;
  project_path: string;
}

/** A 404 that, like every 4xx here, names the field that carried the unknown id. */
export function notFoundIn(field: string, what: string, id: string): ApiError {
  return new ApiError(404, 'not_found', `no ${what} with id ${id}`, {
    resource: what,
    id,
    fields: [{ field, message: `no ${what} with this id` }],
  });
}

/** The run and its project's directory; an unknown id is a 404 naming `field`. */
export async function requireRun(db: AppDatabase, runId: string, field = 'id'): Promise<RunRef> {
  const [run] = await db
    .select({ id: workflowRuns.id, project_id: workflowRuns.project_id, project_path: projects.path })
    .from(workflowRuns)
    .innerJoin(projects, eq(projects.id, workflowRuns.project_id))
    .where(eq(workflowRuns.id, runId));
  if (!run) throw notFoundIn(field, 'workflow run', runId);
  return run;
}

/**
 * A step that must belong to `runId`. An id that exists nowhere is a 404; a step of another run is a 400, because
 * the request is then well-formed but contradicts itself.
 */
export async function requireStepOfRun(
  db: AppDatabase,
  runId: string,
  stepRowId: string,
  field = 'workflow_run_step_id',
): Promise<StepRow> {
  const [step] = await db.select().from(workflowRunSteps).where(eq(workflowRunSteps.id, stepRowId));
  if (!step) throw notFoundIn(field, 'workflow step', stepRowId);
  if (step.workflow_run_id !== runId) {
    throw invalidFields([{ field, message: `step ${stepRowId} belongs to another run` }]);
  }
  return step;
}

export interface CreateCommentInput {
  runId: string;
  text: string;
  /** The step's row id; absent for a run-level comment. */
  stepRowId?: string | null;
}

/** Writes a `user` comment by the local user and publishes `workflow.comment.created` for the run's project. */
export async function createComment(
  deps: { db: AppDatabase; bus: EventBus },
  input: CreateCommentInput,
): Promise<CommentView> {
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
    })
    .returning();
  const comment = commentView(row!);
  deps.bus.publish(run.project_id, {
    type: 'workflow.comment.created',
    data: { execution_id: run.id, step_id: step?.step_id ?? null, comment },
  });
  return comment;
}
