/** A run's history for the detail's timeline: every journal record (superseded attempts too) and every artifact. */
import { asc, desc, eq } from 'drizzle-orm';
import type { AppDatabase } from '../../db/connection.ts';
import { rowJson } from '../../db/rowJson.ts';
import { workflowArtifacts, workflowRunSteps } from '../../db/schema.ts';
import { requireRun } from '../workflow/runLookups.ts';
import type { PinnedTemplates } from './pinnedTemplate.ts';

export async function getRunHistory(deps: { db: AppDatabase; pinned: PinnedTemplates }, runId: string) {
  const run = await requireRun(deps.db, runId);
  const [steps, artifacts, pinned] = await Promise.all([
    deps.db
      .select()
      .from(workflowRunSteps)
      .where(eq(workflowRunSteps.workflow_run_id, run.id))
      .orderBy(asc(workflowRunSteps.step_index), desc(workflowRunSteps.created_at)),
    deps.db
      .select({ artifact: workflowArtifacts })
      .from(workflowArtifacts)
      .innerJoin(workflowRunSteps, eq(workflowRunSteps.id, workflowArtifacts.workflow_run_step_id))
      .where(eq(workflowRunSteps.workflow_run_id, run.id))
      .orderBy(asc(workflowArtifacts.created_at), asc(workflowArtifacts.id)),
    deps.pinned.read(run.id),
  ]);
  return {
    steps: steps.map(rowJson),
    artifacts: artifacts.map((a) => rowJson(a.artifact)),
    declared_steps: pinned.declaredSteps,
    source: pinned.source,
  };
}
