/** Runs and their steps: what the board lists, what the detail shows, and the requests that start and steer them. */
import { z } from 'zod';
import { AGENT_NAMES, RUN_STATUSES, STEP_STATUSES, STEP_TYPES } from '@switchyard/workflow-engine/vocabulary';
import { Comment } from './comments.ts';
import { idParam, jsonObject, Pagination, text, timestamp, uuid } from './common.ts';
import { WorkflowDefinition } from './templates.ts';

export const RunStatus = z.enum(RUN_STATUSES, { error: `must be one of ${RUN_STATUSES.join(', ')}` });
export const StepStatus = z.enum(STEP_STATUSES);

export const StepError = z.object({ message: z.string(), code: z.string().optional() });

/** A file a step published, as its journaled result lists it (the engine's shape; the row is an `Artifact`). */
export const StepArtifact = z.object({
  id: z.string(),
  stepId: z.string(),
  key: z.string(),
  name: z.string(),
  filePath: z.string(),
  mimeType: z.string(),
  sizeBytes: z.number().int().nonnegative(),
  sha256: z.string(),
  description: z.string().nullable(),
});

/** What `ctx.step` returns, as the journal keeps it (the engine's own camelCase shape). */
export const StepResult = z.object({
  status: StepStatus,
  data: z.unknown(),
  error: StepError.optional(),
  attempts: z.number().int().nonnegative(),
  startedAt: timestamp(),
  finishedAt: timestamp(),
  /** The files the step published (`artifacts:` globs, `switchyard artifact add`). */
  artifacts: z.array(StepArtifact).optional(),
  /** In a worktree run: the commit of the step's changes on the run's branch (absent when it changed nothing). */
  commit: z.string().optional(),
  /** What that commit changed. */
  changes: z
    .object({
      files: z.number().int().nonnegative(),
      additions: z.number().int().nonnegative(),
      deletions: z.number().int().nonnegative(),
    })
    .optional(),
});
export type StepResult = z.infer<typeof StepResult>;

/** A journal record of a run: one row per step attempt history, superseded ones marked `invalidated_at`. */
export const Step = z.object({
  /** The row's id: a re-run step gets a new row, with the same `step_id`. */
  id: uuid(),
  workflow_run_id: uuid(),
  step_id: z.string(),
  step_index: z.number().int().nonnegative(),
  name: z.string(),
  phase: z.string(),
  type: z.enum(STEP_TYPES),
  status: StepStatus,
  attempt: z.number().int().nonnegative(),
  /** The step's serialisable input: prompt, command, … */
  input: z.unknown(),
  output: StepResult.nullable(),
  error: StepError.nullable(),
  log_directory_path: z.string().nullable(),
  /** The `agent_sessions` record of an agent step. */
  agent_session_id: uuid().nullable(),
  /** The agent CLI's own session id. */
  cli_session_id: z.string().nullable(),
  started_at: timestamp().nullable(),
  finished_at: timestamp().nullable(),
  invalidated_at: timestamp().nullable(),
  created_at: timestamp(),
  updated_at: timestamp(),
});
export type Step = z.infer<typeof Step>;

export const AgentSession = z.object({
  id: uuid(),
  project_id: uuid(),
  user_id: uuid().nullable(),
  agent: z.enum(AGENT_NAMES),
  cli_session_id: z.string().nullable(),
  cwd: z.string(),
  created_at: timestamp(),
  updated_at: timestamp(),
});
export type AgentSession = z.infer<typeof AgentSession>;

/** `GET /api/workflow-steps/:id`. */
export const StepDetail = Step.extend({ agent_session: AgentSession.nullable() });
export type StepDetail = z.infer<typeof StepDetail>;

export const STEP_LOG_TYPES = ['input', 'output', 'events', 'summary'] as const;
export const StepLogParams = z.object({ id: idParam(), type: z.enum(STEP_LOG_TYPES) });
export const StepLogQuery = z.object({ follow: z.enum(['true', 'false']).optional() });

/** A run as the board lists it: its row (lease internals left out), active steps, template and badge counts. */
export const Run = z.object({
  id: uuid(),
  project_id: uuid(),
  workflow_definition_id: uuid(),
  name: z.string(),
  args: z.unknown(),
  status: RunStatus,
  current_phase: z.string().nullable(),
  current_step_index: z.number().int().nonnegative(),
  error: z.string().nullable(),
  output: z.unknown(),
  approved_gates: z.array(z.string()),
  /** The gated phase a `waiting` run stands before. */
  waiting_gate: z.string().nullable(),
  pause_requested: z.enum(['boundary', 'now']).nullable(),
  cancel_requested: z.boolean(),
  created_by: uuid().nullable(),
  /** The worker executing the run now, if any. */
  worker: z.string().nullable(),
  started_at: timestamp().nullable(),
  paused_at: timestamp().nullable(),
  completed_at: timestamp().nullable(),
  cancelled_at: timestamp().nullable(),
  /** When a worker took the run up after the process executing it stopped (crash, kill, restart), and where. */
  recovered_at: timestamp().nullable(),
  recovered_at_step: z.number().int().nonnegative().nullable(),
  /** The run this one was forked from, if any. */
  parent_run_id: uuid().nullable(),
  /** When a `waiting` run sleeping in `ctx.sleep` becomes runnable again; null otherwise. */
  wake_at: timestamp().nullable(),
  created_at: timestamp(),
  updated_at: timestamp(),
  steps: z.array(Step),
  workflow_definition: WorkflowDefinition.nullable(),
  comment_count: z.number().int().nonnegative(),
  artifact_count: z.number().int().nonnegative(),
});
export type Run = z.infer<typeof Run>;

export const WORKSPACE_MODES = ['worktree', 'in-place'] as const;
export const WorkspaceMode = z.enum(WORKSPACE_MODES, { error: `must be one of ${WORKSPACE_MODES.join(', ')}` });

/** Where a run's steps work: in the project directory itself, or a git worktree on a branch of its own. */
export const RunWorkspace = z.object({
  mode: WorkspaceMode,
  /** The run's branch (`switchyard/<short id>-<template>`); null in place. */
  branch: z.string().nullable(),
  /** The commit the branch starts from. */
  base: z.string().nullable(),
  /** The branch the main checkout was on at start; null for a detached HEAD, a given base, or in place. */
  base_ref: z.string().nullable(),
  /** The worktree's directory. */
  path: z.string().nullable(),
  /** What is worth knowing: a dirty main checkout at start, a renamed branch, why a worktree was not made. */
  note: z.string().nullable(),
});
export type RunWorkspace = z.infer<typeof RunWorkspace>;

/**
 * Whether the run's branch can be merged into its base now (`ready`), and if not why: the git states of the
 * engine's `checkMerge`, `checkout_dirty` and `checked_out_elsewhere` (known only when a merge is tried), a run
 * not finished yet (`run_not_finished`), one that works in place (`in_place`), and git failing to answer
 * (`git_failed`: the repository moved or was deleted; the reason is git's message).
 */
export const MERGE_STATES = [
  'ready',
  'merged',
  'nothing_to_merge',
  'not_fast_forward',
  'no_base_branch',
  'branch_missing',
  'base_missing',
  'checkout_dirty',
  'checked_out_elsewhere',
  'run_not_finished',
  'in_place',
  'git_failed',
] as const;
export const MergeState = z.enum(MERGE_STATES);
export type MergeState = z.infer<typeof MergeState>;

export const RunMerge = z.object({
  state: MergeState,
  /** What a merge would do, or why it cannot, with the git commands to do it by hand where they help. */
  reason: z.string(),
  /** The branch the run merges into; null in place or for a run started from a commit. */
  base: z.string().nullable(),
  /** Commits on the run's branch that the base lacks, and on the base that the branch lacks. */
  ahead: z.number().int().nonnegative(),
  behind: z.number().int().nonnegative(),
});
export type RunMerge = z.infer<typeof RunMerge>;

/** `GET /api/workflow-executions/:id`: the run with its comments (and their artifacts), its workspace and merge. */
export const RunDetail = Run.extend({ comments: z.array(Comment), workspace: RunWorkspace, merge: RunMerge });
export type RunDetail = z.infer<typeof RunDetail>;

export const RunPage = z.object({ data: z.array(Run), pagination: Pagination });
export type RunPage = z.infer<typeof RunPage>;

export const CreateRunBody = z.object({
  project_id: uuid().optional(),
  workflow_definition_id: uuid(),
  name: text().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters').optional(),
  args: jsonObject('must be an object').optional(),
  /** Overrides the template's `workspace`; by default a worktree when the project is a git repository. */
  workspace: WorkspaceMode.optional(),
  /** A worktree run's starting point instead of the main checkout's HEAD: a branch (which it merges into) or a commit. */
  base: text().trim().min(1, 'must not be empty').max(250, 'must be at most 250 characters').optional(),
});
export type CreateRunBody = z.infer<typeof CreateRunBody>;

/** Only a value that is no number at all is "not a number"; one out of range gets the range's own message. */
const notANumber = (issue: { code: string }) => (issue.code === 'invalid_type' ? 'must be a number' : undefined);

export const ListRunsQuery = z.object({
  project_id: uuid().optional(),
  /** Comma-separated: `?status=running,waiting`. */
  status: z
    .string()
    .transform((value) => value.split(',').map((s) => s.trim()))
    .pipe(z.array(RunStatus))
    .optional(),
  phase: text().min(1).max(200).optional(),
  workflow_definition_id: uuid().optional(),
  /** Text searched, case-insensitively, in the run's name and its args. */
  q: text().max(200, 'must be at most 200 characters').optional(),
  /** Runs created at or after this date (`2026-12-01`) or time (`2026-12-01T09:30:00Z`). */
  created_after: z
    .union([z.iso.date(), z.iso.datetime({ offset: true })], {
      error: 'must be a date (2026-12-01) or an ISO 8601 time (2026-12-01T09:30:00Z)',
    })
    .optional(),
  limit: z.coerce
    .number({ error: notANumber })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(500, 'must be at most 500')
    .default(50),
  offset: z.coerce.number({ error: notANumber }).int('must be a whole number').min(0, 'must be at least 0').default(0),
});
export type ListRunsQuery = z.input<typeof ListRunsQuery>;

export const PauseBody = z.object({ now: z.boolean({ error: 'must be true or false' }).optional() });
export const RerunBody = z.object({ phase: text({ error: 'is required' }).min(1, 'must not be empty') });
/**
 * `POST /api/workflow-executions/:id/input`: a person's answer to the input step the run waits at (`step_id` may
 * be left out: there is one). `values` are checked against the step's fields; an error names the field.
 */
export const AnswerInputBody = z.object({
  step_id: text().min(1, 'must not be empty').optional(),
  values: jsonObject('must be an object of the fields the step asks for'),
});
export type AnswerInputBody = z.infer<typeof AnswerInputBody>;
/** `POST /api/workflow-executions/:id/fork`: the step (its row id) the new run starts at. */
export const ForkBody = z.object({ from_step_id: uuid() });

/**
 * `POST /api/workflow-executions/:id/merge` → 200: the run's branch fast-forwarded into its base (a refusal is a
 * 409 `merge_refused` whose details name the state and reason).
 */
export const MergeAnswer = z.object({
  base: z.string(),
  /** The base's commit before the merge, and after (the run branch's tip). */
  from: z.string(),
  to: z.string(),
  commits: z.number().int().positive(),
  /** Whether the main checkout's files moved too (the base was checked out there). */
  checkout_updated: z.boolean(),
  run: RunDetail,
});
export type MergeAnswer = z.infer<typeof MergeAnswer>;
