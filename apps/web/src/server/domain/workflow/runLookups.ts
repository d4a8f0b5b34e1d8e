/**
 * The run and step lookups the services share, with the API's rules for ids that point at nothing (404, naming
 * the field that carried the id) or at another run (400).
 */
import { eq } from 'drizzle-orm';
import type { AppDatabase } from '../../db/connection.ts';
import { projects, workflowRunSteps, workflowRuns } from '../../db/schema.ts';
import { InvalidInputError, NotFoundError } from '../../../errors.ts';

export type StepRow = typeof workflowRunSteps.$inferSelect;

/** The run with what the services need to address its project and its files. */
export interface RunRef {
  id: string;
  project_id: string;
  project_path: string;
}

/** The run and its project's directory; an unknown id is a 404 naming `field`. */
export async function requireRun(db: AppDatabase, runId: string, field = 'id'): Promise<RunRef> {
  const [run] = await db
    .select({ id: workflowRuns.id, project_id: workflowRuns.project_id, project_path: projects.path })
    .from(workflowRuns)
    .innerJoin(projects, eq(projects.id, workflowRuns.project_id))
    .where(eq(workflowRuns.id, runId));
  if (!run) throw new NotFoundError('workflow run', runId, { field });
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
  if (!step) throw new NotFoundError('workflow step', stepRowId, { field });
  if (step.workflow_run_id !== runId) {
    throw new InvalidInputError([{ field, message: `step ${stepRowId} belongs to another run` }]);
  }
  return step;
}
