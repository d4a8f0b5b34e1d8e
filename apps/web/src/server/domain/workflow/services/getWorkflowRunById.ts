import { eq } from 'drizzle-orm';
import type { AppDatabase } from '../../../db/connection.ts';
import { projects, workflowRuns } from '../../../db/schema.ts';
import { NotFoundError } from '../../../../errors.ts';
import { getComments } from '../../workflow-comment/services/getComments.ts';
import { runView } from '../runView.ts';
import { runWorkspaceView } from '../runWorkspace.ts';
import type { RunDetail } from '../../../../protocol/runs.ts';

/**
 * A run with all its relations: active steps, template, comments with their artifacts, its workspace and whether
 * its branch can be merged.
 */
export async function getWorkflowRunById(deps: { db: AppDatabase }, runId: string): Promise<RunDetail> {
  const [found] = await deps.db
    .select({ run: workflowRuns, projectPath: projects.path })
    .from(workflowRuns)
    .innerJoin(projects, eq(projects.id, workflowRuns.project_id))
    .where(eq(workflowRuns.id, runId));
  if (!found) throw new NotFoundError('workflow run', runId);
  const [view, comments, { workspace, merge }] = await Promise.all([
    runView(deps.db, found.run),
    getComments(deps, { runId }),
    runWorkspaceView(found.projectPath, found.run),
  ]);
  return { ...view, comments, workspace, merge };
}
