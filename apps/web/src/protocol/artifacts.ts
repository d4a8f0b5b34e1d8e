/** Artifacts: files that belong to a step, optionally attached to a comment. */
import { z } from 'zod';
import { timestamp, uuid } from './common.ts';

export const Artifact = z.object({
  id: uuid(),
  workflow_run_step_id: uuid(),
  workflow_comment_id: uuid().nullable(),
  /** The uploader's file name, for display; never a path on the server. */
  name: z.string(),
  /** Relative to the run's execution directory, chosen by the server. */
  file_path: z.string(),
  file_type: z.string(),
  mime_type: z.string(),
  size_bytes: z.number().int().nonnegative(),
  sha256: z.string(),
  /** What the step said the file is (`ctx.artifact`'s `description`); null for an upload. */
  description: z.string().nullable(),
  /** The engine's key for an artifact a step published, so a re-run step stores it once; null for an upload. */
  dedupe_key: z.string().nullable(),
  created_at: timestamp(),
  updated_at: timestamp(),
});
export type Artifact = z.infer<typeof Artifact>;

/** The non-file fields of `POST /api/workflow-executions/:id/artifacts` (multipart). */
export const UploadArtifactFields = z.object({ workflow_run_step_id: uuid() });

export const AttachArtifactBody = z.object({ workflow_comment_id: uuid() });
export type AttachArtifactBody = z.infer<typeof AttachArtifactBody>;
