/**
 * What the board reads: compact cards (no step logs, no outputs) for every active run of a project plus the
 * recently finished ones, with counts; and a run's history (every step attempt, every artifact, the pinned source).
 */
import { z } from 'zod';
import { STEP_TYPES } from '@switchyard/workflow-engine/vocabulary';
import { Artifact } from './artifacts.ts';
import { timestamp, uuid } from './common.ts';
import { RunStatus, Step, StepStatus } from './runs.ts';

export const BoardCardStep = z.object({
  id: uuid(),
  step_id: z.string(),
  name: z.string(),
  phase: z.string(),
  type: z.enum(STEP_TYPES),
  status: StepStatus,
  started_at: timestamp().nullable(),
});
export type BoardCardStep = z.infer<typeof BoardCardStep>;

export const BoardCard = z.object({
  id: uuid(),
  project_id: uuid(),
  workflow_definition_id: uuid(),
  name: z.string(),
  status: RunStatus,
  current_phase: z.string().nullable(),
  waiting_gate: z.string().nullable(),
  /** When a sleeping run (`ctx.sleep`) wakes: it waits on no one. */
  wake_at: timestamp().nullable().optional(),
  pause_requested: z.enum(['boundary', 'now']).nullable(),
  /** The run's error, cut to a line's length. */
  error: z.string().nullable(),
  /** The args as JSON, cut short: enough to search and to recognise a run by. */
  args_preview: z.string(),
  steps_done: z.number().int().nonnegative(),
  /** Steps the pinned template declares (YAML); null when only running it tells (TypeScript). */
  steps_total: z.number().int().nonnegative().nullable(),
  /** The step running now, or the last one that ran. */
  current_step: BoardCardStep.nullable(),
  /** The latest line the current step produced: script output, agent text or tool call, a `ctx.log`. */
  activity: z.string().nullable(),
  /** Sum of the agents' own reported cost over the run's active steps. */
  cost_usd: z.number().nonnegative(),
  /** Lines the commits of a worktree run's active steps added and deleted (0 for a run in place). */
  additions: z.number().int().nonnegative().optional(),
  deletions: z.number().int().nonnegative().optional(),
  /** When the run entered its current phase (its first step there started). */
  phase_entered_at: timestamp().nullable(),
  comment_count: z.number().int().nonnegative(),
  artifact_count: z.number().int().nonnegative(),
  /** Set when a restarted server resumed the run by replay (present once the API reports it). */
  recovered_at: timestamp().nullable().optional(),
  recovered_at_step: z.number().int().nonnegative().nullable().optional(),
  started_at: timestamp().nullable(),
  completed_at: timestamp().nullable(),
  created_at: timestamp(),
  updated_at: timestamp(),
});
export type BoardCard = z.infer<typeof BoardCard>;

export const Board = z.object({
  project_id: uuid(),
  cards: z.array(BoardCard),
  /**
   * Runs of the project by status, all of them (the finished ones on the board are only the recent ones), counted
   * up to `count_limit`: a count at the limit means "at least that many" (the Completed page counts them all).
   */
  counts: z.record(z.string(), z.number().int().nonnegative()),
  count_limit: z.number().int().positive(),
});
export type Board = z.infer<typeof Board>;

export const BoardQuery = z.object({ project_id: uuid().optional() });

export const TemplateSource = z.object({
  file: z.string(),
  language: z.enum(['typescript', 'yaml', 'text']),
  text: z.string(),
});
export type TemplateSource = z.infer<typeof TemplateSource>;

/** `GET /api/workflow-executions/:id/history`: everything the detail's timeline draws. */
export const RunHistory = z.object({
  /** Every journal record, superseded attempts included (`invalidated_at` set), by step index then age. */
  steps: z.array(Step),
  artifacts: z.array(Artifact),
  declared_steps: z.array(z.object({ id: z.string(), name: z.string(), phase: z.string() })),
  /** The template text the run is pinned to; null when the snapshot is missing. */
  source: TemplateSource.nullable(),
});
export type RunHistory = z.infer<typeof RunHistory>;
