/**
 * The run and step lookups the services share, with the API's rules for ids that point at nothing (404, naming
 * the field that carried the id) or at another run (400).
 */
import { eq } from 'drizzle-orm';
import type { AppDatabase } from '../../db/connection.ts';
import { projects, workflowRunSteps, workflowRuns } from '../../db/schema.ts';
import { ApiError, invalidFields } from '../../http/apiError.ts';

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
