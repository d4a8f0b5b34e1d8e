/**
 * The engine's `ArtifactStore` on the database: a file a step published (`ctx.artifact`, `artifacts:` globs,
 * `switchyard artifact add`) becomes a `workflow_artifacts` row of the step's active journal record, as an upload
 * does. The engine's key is the row's `dedupe_key`: the same key from a step that ran again finds the first row.
 */
import { and, eq, isNull, sql } from 'drizzle-orm';
import type { ArtifactStore, RunArtifact } from '@switchyard/workflow-engine';
import type { AppDatabase } from '../../db/connection.ts';
import { workflowArtifacts, workflowRunSteps } from '../../db/schema.ts';
import type { Artifact } from '../../../protocol/artifacts.ts';
import type { ArtifactRow } from './artifactView.ts';
import { fileKind } from './services/uploadArtifact.ts';

function runArtifact(row: ArtifactRow, runId: string, stepId: string): RunArtifact {
  return {
    id: row.id,
    runId,
    stepId,
    stepRecordId: row.workflow_run_step_id,
    key: row.dedupe_key ?? '',
    name: row.name,
    filePath: row.file_path,
    mimeType: row.mime_type,
    sizeBytes: row.size_bytes,
    sha256: row.sha256,
    description: row.description,
    createdAt: row.created_at,
  };
}

/** A published artifact as the API shows artifacts (`workflow.artifact.created`): its row, field for field. */
export function artifactOfRun(artifact: RunArtifact): Artifact {
  if (!artifact.stepRecordId) throw new Error(`artifact ${artifact.id} has no step record`);
  return {
    id: artifact.id,
    workflow_run_step_id: artifact.stepRecordId,
    workflow_comment_id: null,
    name: artifact.name,
    file_path: artifact.filePath,
    file_type: fileKind(artifact.mimeType),
    mime_type: artifact.mimeType,
    size_bytes: artifact.sizeBytes,
    sha256: artifact.sha256,
    description: artifact.description,
    dedupe_key: artifact.key,
    created_at: artifact.createdAt,
    updated_at: artifact.createdAt,
  };
}

export function createDatabaseArtifactStore(db: AppDatabase): ArtifactStore {
  return {
    async addArtifact(artifact) {
      const [step] = await db
        .select({ id: workflowRunSteps.id })
        .from(workflowRunSteps)
        .where(
          and(
            eq(workflowRunSteps.workflow_run_id, artifact.runId),
            eq(workflowRunSteps.step_id, artifact.stepId),
            isNull(workflowRunSteps.invalidated_at),
          ),
        );
      if (!step) throw new Error(`run ${artifact.runId} has no journal record for step "${artifact.stepId}"`);
      const [inserted] = await db
        .insert(workflowArtifacts)
        .values({
          workflow_run_step_id: step.id,
          name: artifact.name,
          file_path: artifact.filePath,
          file_type: fileKind(artifact.mimeType),
          mime_type: artifact.mimeType,
          size_bytes: artifact.sizeBytes,
          sha256: artifact.sha256,
          description: artifact.description,
          dedupe_key: artifact.key,
        })
        .onConflictDoNothing({
          target: [workflowArtifacts.workflow_run_step_id, workflowArtifacts.dedupe_key],
          where: sql`${workflowArtifacts.dedupe_key} is not null`,
        })
        .returning();
      if (inserted) return { artifact: runArtifact(inserted, artifact.runId, artifact.stepId), created: true };
      const [existing] = await db
        .select()
        .from(workflowArtifacts)
        .where(
          and(eq(workflowArtifacts.workflow_run_step_id, step.id), eq(workflowArtifacts.dedupe_key, artifact.key)),
        );
      return { artifact: runArtifact(existing!, artifact.runId, artifact.stepId), created: false };
    },
  };
}
