import { eq } from 'drizzle-orm';
import type { AppDatabase } from '../../../db/connection.ts';
import { workflowRuns } from '../../../db/schema.ts';
import { NotFoundError } from '../../../../errors.ts';
import { getComments } from '../../workflow-comment/services/getComments.ts';
import { runView } from '../runView.ts';
import type { RunDetail } from '../../../../protocol/runs.ts';

/** A run with all its relations: active steps, template, comments with their artifacts. */
export async function getWorkflowRunById(deps: { db: AppDatabase }, runId: string): Promise<RunDetail> {
  const [row] = await deps.db.select().from(workflowRuns).where(eq(workflowRuns.id, runId));
  if (!row) throw new NotFoundError('workflow run', runId);
  const [view, comments] = await Promise.all([runView(deps.db, row), getComments(deps, { runId })]);
  return { ...view, comments };
}
