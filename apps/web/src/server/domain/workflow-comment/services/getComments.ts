/** A run's comments, oldest first, each with the artifacts attached to it. */
import { and, asc, eq, inArray } from 'drizzle-orm';
import type { SQL } from 'drizzle-orm';
import type { AppDatabase } from '../../../db/connection.ts';
import { workflowArtifacts, workflowComments } from '../../../db/schema.ts';
import type { ArtifactRow } from '../../workflow-artifact/artifactView.ts';
import { commentView } from '../commentView.ts';
import type { Comment } from '../../../../protocol/comments.ts';
import { requireRun, requireStepOfRun } from '../../workflow/runLookups.ts';

export interface GetCommentsInput {
  runId: string;
  /** Only the comments on this step (a step row id of the run); run-level comments are then left out. */
  stepRowId?: string;
}

/** Lists the run's comments by `created_at` (id breaks ties, so the order is stable); unknown ids are 404s. */
export async function getComments(deps: { db: AppDatabase }, input: GetCommentsInput): Promise<Comment[]> {
  const run = await requireRun(deps.db, input.runId);
  const filters: SQL[] = [eq(workflowComments.workflow_run_id, run.id)];
  if (input.stepRowId) {
    const step = await requireStepOfRun(deps.db, run.id, input.stepRowId);
    filters.push(eq(workflowComments.workflow_run_step_id, step.id));
  }
  const rows = await deps.db
    .select()
    .from(workflowComments)
    .where(and(...filters))
    .orderBy(asc(workflowComments.created_at), asc(workflowComments.id));
  if (rows.length === 0) return [];
  const artifacts = await deps.db
    .select()
    .from(workflowArtifacts)
    .where(
      inArray(
        workflowArtifacts.workflow_comment_id,
        rows.map((row) => row.id),
      ),
    )
    .orderBy(asc(workflowArtifacts.created_at), asc(workflowArtifacts.id));
  const byComment = new Map<string, ArtifactRow[]>();
  for (const artifact of artifacts) {
    const list = byComment.get(artifact.workflow_comment_id!) ?? [];
    list.push(artifact);
    byComment.set(artifact.workflow_comment_id!, list);
  }
  return rows.map((row) => commentView(row, byComment.get(row.id)));
}
