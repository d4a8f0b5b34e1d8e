/** An artifact as the API sends it: the `workflow_artifacts` row, field for field. */
import { rowJson } from '../../db/rowJson.ts';
import type { workflowArtifacts } from '../../db/schema.ts';

export type ArtifactRow = typeof workflowArtifacts.$inferSelect;

/** The wire shape; kept apart from the row type so a column that must not leave the server has one place to go. */
export type ArtifactView = ArtifactRow;

/** The artifact's JSON: a copy of the row, so callers can never mutate what a query returned. */
export function artifactView(row: ArtifactRow): ArtifactView {
  return rowJson(row);
}
