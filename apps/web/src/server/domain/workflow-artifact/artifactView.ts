/** An artifact as the API sends it: the `workflow_artifacts` row, field for field. */
import type { Artifact } from '../../../protocol/artifacts.ts';
import { rowJson } from '../../db/rowJson.ts';
import type { workflowArtifacts } from '../../db/schema.ts';

export type ArtifactRow = typeof workflowArtifacts.$inferSelect;

/** The artifact's JSON (`protocol/artifacts.ts`): a copy of the row, so callers can never mutate what a query returned. */
export function artifactView(row: ArtifactRow): Artifact {
  return rowJson(row);
}
