/** A comment as the API sends it: the `workflow_comments` row plus the artifacts attached to it. */
import { rowJson } from '../../db/rowJson.ts';
import type { workflowComments } from '../../db/schema.ts';
import { artifactView } from '../workflow-artifact/artifactView.ts';
import type { ArtifactRow } from '../workflow-artifact/artifactView.ts';
import type { Comment } from '../../../protocol/comments.ts';

export type CommentRow = typeof workflowComments.$inferSelect;

/** The comment's JSON; a new comment has no artifacts yet, so the shape is the same on create and on list. */
export function commentView(row: CommentRow, artifacts: ArtifactRow[] = []): Comment {
  return { ...rowJson(row), artifacts: artifacts.map(artifactView) };
}
