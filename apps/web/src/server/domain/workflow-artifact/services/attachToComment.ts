/** Attaching an artifact to a comment of the same run, and detaching it again. */
import { eq, sql } from 'drizzle-orm';
import type { AppDatabase } from '../../../db/connection.ts';
import { workflowArtifacts, workflowComments, workflowRunSteps } from '../../../db/schema.ts';
import { InvalidInputError, NotFoundError } from '../../../../errors.ts';
import { artifactView } from '../artifactView.ts';
import type { Artifact } from '../../../../protocol/artifacts.ts';

async function requireArtifactRunId(db: AppDatabase, artifactId: string): Promise<string> {
  const [found] = await db
    .select({ run_id: workflowRunSteps.workflow_run_id })
    .from(workflowArtifacts)
    .innerJoin(workflowRunSteps, eq(workflowRunSteps.id, workflowArtifacts.workflow_run_step_id))
    .where(eq(workflowArtifacts.id, artifactId));
  if (!found) throw new NotFoundError('artifact', artifactId);
  return found.run_id;
}

async function setComment(db: AppDatabase, artifactId: string, commentId: string | null): Promise<Artifact> {
  const [row] = await db
    .update(workflowArtifacts)
    .set({ workflow_comment_id: commentId, updated_at: sql`now()` })
    .where(eq(workflowArtifacts.id, artifactId))
    .returning();
  // Deleted between the lookup and the update: the same answer the lookup would have given a moment later.
  if (!row) throw new NotFoundError('artifact', artifactId);
  return artifactView(row);
}

/**
 * Attaches the artifact to a comment. The comment must belong to the run of the artifact's step: a comment that
 * exists nowhere is a 404, one of another run a 400, both naming `workflow_comment_id`.
 */
export async function attachToComment(
  deps: { db: AppDatabase },
  input: { artifactId: string; commentId: string },
): Promise<Artifact> {
  const runId = await requireArtifactRunId(deps.db, input.artifactId);
  const [comment] = await deps.db
    .select({ run_id: workflowComments.workflow_run_id })
    .from(workflowComments)
    .where(eq(workflowComments.id, input.commentId));
  if (!comment) throw new NotFoundError('workflow comment', input.commentId, { field: 'workflow_comment_id' });
  if (comment.run_id !== runId) {
    throw new InvalidInputError([
      { field: 'workflow_comment_id', message: `comment ${input.commentId} belongs to another run than the artifact` },
    ]);
  }
  return setComment(deps.db, input.artifactId, input.commentId);
}

/** Detaches the artifact from its comment, if it had one; the artifact itself stays with its step. */
export async function detachFromComment(deps: { db: AppDatabase }, input: { artifactId: string }): Promise<Artifact> {
  await requireArtifactRunId(deps.db, input.artifactId);
  return setComment(deps.db, input.artifactId, null);
}
