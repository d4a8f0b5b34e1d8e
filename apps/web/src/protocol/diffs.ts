/** The changes of a worktree run: a step's commit, or the run's branch against its base, file by file. */
import { z } from 'zod';
import { Pagination } from './common.ts';
import { WorkspaceMode } from './runs.ts';

export const FILE_CHANGE_STATUSES = ['added', 'modified', 'deleted', 'renamed', 'copied', 'type_changed'] as const;

export const DiffFile = z.object({
  path: z.string(),
  /** The path before a rename or copy. */
  old_path: z.string().nullable(),
  status: z.enum(FILE_CHANGE_STATUSES),
  /** Lines added and deleted; null for a binary file. */
  additions: z.number().int().nonnegative().nullable(),
  deletions: z.number().int().nonnegative().nullable(),
  binary: z.boolean(),
  /** The file's unified diff: `diff --git` header and hunks. */
  patch: z.string(),
});
export type DiffFile = z.infer<typeof DiffFile>;

/**
 * `GET /api/workflow-steps/:id/diff` (the step's commit against its parent) and `GET
 * /api/workflow-executions/:id/diff` (the branch against its base). `stats` count every changed file; `files` is the
 * page `pagination` names. A run in place, or a step that changed nothing, has no commits: `from` and `to` are null.
 */
export const ChangeSet = z.object({
  workspace: WorkspaceMode,
  from: z.string().nullable(),
  to: z.string().nullable(),
  stats: z.object({
    files: z.number().int().nonnegative(),
    additions: z.number().int().nonnegative(),
    deletions: z.number().int().nonnegative(),
  }),
  files: z.array(DiffFile),
  pagination: Pagination,
});
export type ChangeSet = z.infer<typeof ChangeSet>;

const notANumber = (issue: { code: string }) => (issue.code === 'invalid_type' ? 'must be a number' : undefined);

export const ChangeSetQuery = z.object({
  limit: z.coerce
    .number({ error: notANumber })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(500, 'must be at most 500')
    .default(100),
  offset: z.coerce.number({ error: notANumber }).int('must be a whole number').min(0, 'must be at least 0').default(0),
});
export type ChangeSetQuery = z.input<typeof ChangeSetQuery>;
