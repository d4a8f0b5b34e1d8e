/** Comments on a run, at run level or on one of its steps, with the artifacts attached to them. */
import { z } from 'zod';
import { COMMENT_TYPES } from '@switchyard/workflow-engine/vocabulary';
import { Artifact } from './artifacts.ts';
import { listOf, text, timestamp, uuid } from './common.ts';

export const MAX_COMMENT_LENGTH = 20_000;
export const MAX_ANCHOR_PATH_LENGTH = 4_096;

export const COMMENT_ANCHOR_SIDES = ['new', 'old'] as const;

/**
 * Where in the run's changes a comment points: a line of a file in the diff it was written on (the step's commit
 * for a step comment, the run's branch against its base for a run-level one). `side` says which version the line
 * number counts in: `new` (the file after the change, also for unchanged context) or `old` (a deleted line).
 */
export const CommentAnchor = z.strictObject(
  {
    file: text({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a string') })
      .min(1, 'must not be empty')
      .max(MAX_ANCHOR_PATH_LENGTH, `must be at most ${MAX_ANCHOR_PATH_LENGTH} characters`)
      .refine((file) => !/[\r\n]/.test(file), 'must be one line')
      .refine((file) => !file.startsWith('/'), 'must be a path inside the repository, not an absolute one'),
    line: z
      .number({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a number') })
      .int('must be a whole number')
      .min(1, 'must be at least 1'),
    side: z.enum(COMMENT_ANCHOR_SIDES, { error: 'must be "new" or "old"' }).default('new'),
  },
  { error: (issue) => (issue.code === 'unrecognized_keys' ? undefined : 'must be an object { file, line, side }') },
);
export type CommentAnchor = z.infer<typeof CommentAnchor>;

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
  /** The diff line the comment is on; null for a comment on the run or the step as a whole. */
  anchor: CommentAnchor.nullable(),
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
  anchor: CommentAnchor.nullish(),
});
export type CreateCommentBody = z.infer<typeof CreateCommentBody>;

export const ListCommentsQuery = z.object({ workflow_run_step_id: uuid().optional() });
