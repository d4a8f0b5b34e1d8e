/** Comments on a run, at run level or on one of its steps, with the artifacts attached to them. */
import { z } from 'zod';
import { COMMENT_TYPES } from '@switchyard/workflow-engine/vocabulary';
import { Artifact } from './artifacts.ts';
import { listOf, text, timestamp, uuid } from './common.ts';

export const MAX_COMMENT_LENGTH = 20_000;

export const Comment = z.object({
  id: uuid(),
  workflow_run_id: uuid(),
  /** The step row the comment is on; null for a run-level comment. */
  workflow_run_step_id: uuid().nullable(),
  text: z.string(),
  comment_type: z.enum(COMMENT_TYPES),
  created_by: uuid().nullable(),
  /** The engine's key for a comment a template wrote, so a replay writes it once. */
  dedupe_key: z.string().nullable(),
  artifacts: z.array(Artifact),
  created_at: timestamp(),
  updated_at: timestamp(),
});
export type Comment = z.infer<typeof Comment>;

export const CommentList = listOf(Comment);

export const CreateCommentBody = z.object({
  text: text({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a string') })
    .trim()
    .min(1, 'must not be empty')
    .max(MAX_COMMENT_LENGTH, `must be at most ${MAX_COMMENT_LENGTH} characters`),
  workflow_run_step_id: uuid().nullish(),
});
export type CreateCommentBody = z.infer<typeof CreateCommentBody>;

export const ListCommentsQuery = z.object({ workflow_run_step_id: uuid().optional() });
