/**
 * The database: state for fast board queries. Large and append-only things (logs, artifacts, checkpoints) live on
 * disk under `.agent/workflows/executions/`. One schema for PGlite and PostgreSQL; migrations are generated from
 * it by drizzle-kit and committed.
 */
import { sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
  bigint,
  bigserial,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { AGENT_NAMES, COMMENT_TYPES, RUN_STATUSES, STEP_STATUSES, STEP_TYPES } from '@switchyard/workflow-engine';
import type { StepError, StepResult } from '@switchyard/workflow-engine';
import type { CommentAnchor } from '../../protocol/comments.ts';
import type { Phase } from '../../protocol/templates.ts';

const timestamps = {
  created_at: timestamp('created_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
  updated_at: timestamp('updated_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
};

const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'string' });

export const projects = pgTable('projects', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull(),
  /** The project's directory; its `.agent/` holds templates and executions. */
  path: text('path').notNull().unique(),
  ...timestamps,
});

export const users = pgTable('users', {
  id: uuid('id').primaryKey().defaultRandom(),
  username: text('username').notNull().unique(),
  ...timestamps,
});

export const agentSessions = pgTable(
  'agent_sessions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    project_id: uuid('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    user_id: uuid('user_id').references(() => users.id, { onDelete: 'set null' }),
    agent: text('agent', { enum: AGENT_NAMES }).notNull(),
    /** The CLI's own session id, once it reports one. */
    cli_session_id: text('cli_session_id'),
    cwd: text('cwd').notNull(),
    ...timestamps,
  },
  (t) => [index('agent_sessions_project_idx').on(t.project_id)],
);

export const workflowDefinitions = pgTable(
  'workflow_definitions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    project_id: uuid('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    /** The template's id: the slug of its file name (`fix-bug`). */
    identifier: text('identifier').notNull(),
    name: text('name').notNull(),
    description: text('description'),
    type: text('type', { enum: ['code', 'yaml'] }).notNull(),
    path: text('path').notNull(),
    phases: jsonb('phases').$type<Phase[]>().notNull().default([]),
    args_schema: jsonb('args_schema').$type<Record<string, unknown>>().notNull().default({}),
    content_hash: text('content_hash').notNull(),
    is_template: boolean('is_template').notNull().default(true),
    times_used: integer('times_used').notNull().default(0),
    /** Why the template cannot be loaded, for an invalid one; listed, never hidden. */
    error: text('error'),
    ...timestamps,
  },
  (t) => [uniqueIndex('workflow_definitions_project_identifier_idx').on(t.project_id, t.identifier)],
);

export const workflowRuns = pgTable(
  'workflow_runs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    project_id: uuid('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    workflow_definition_id: uuid('workflow_definition_id')
      .notNull()
      .references(() => workflowDefinitions.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    args: jsonb('args').notNull().default({}),
    status: text('status', { enum: RUN_STATUSES }).notNull().default('pending'),
    current_phase: text('current_phase'),
    current_step_index: integer('current_step_index').notNull().default(0),
    error: text('error'),
    output: jsonb('output'),
    approved_gates: jsonb('approved_gates').$type<string[]>().notNull().default([]),
    waiting_gate: text('waiting_gate'),
    pause_requested: text('pause_requested', { enum: ['boundary', 'now'] }),
    cancel_requested: boolean('cancel_requested').notNull().default(false),
    lease_owner: text('lease_owner'),
    lease_expires_at: at('lease_expires_at'),
    /** Bumped on every claim; writes carry it so a worker that lost the run is fenced out. */
    lease_epoch: integer('lease_epoch').notNull().default(0),
    created_by: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    started_at: at('started_at'),
    paused_at: at('paused_at'),
    completed_at: at('completed_at'),
    cancelled_at: at('cancelled_at'),
    /** When a worker took the run up after the process executing it stopped, and at which step. */
    recovered_at: at('recovered_at'),
    recovered_at_step: integer('recovered_at_step'),
    /** The run this one was forked from (`POST …/fork`): its journal began as a copy of the parent's first steps. */
    parent_run_id: uuid('parent_run_id').references((): AnyPgColumn => workflowRuns.id, { onDelete: 'set null' }),
    /** When a `waiting` run sleeping in `ctx.sleep` (or a wait with a timeout) becomes runnable again. */
    wake_at: at('wake_at'),
    ...timestamps,
  },
  (t) => [
    index('workflow_runs_board_idx').on(t.project_id, t.status, t.created_at.desc()),
    // The board's finished runs of the last day, found without reading the project's whole history. By when the
    // run finished, not `updated_at`: every step moves `updated_at`, and a column in no index lets that update stay
    // on its page (a HOT update) instead of writing a new entry into each of these indexes.
    index('workflow_runs_finished_idx').on(t.project_id, t.status, sql`coalesce(${t.completed_at}, ${t.cancelled_at})`),
    index('workflow_runs_definition_idx').on(t.workflow_definition_id),
    // The claim's queue: runs a worker may take up, oldest first, read in order instead of sorting every pending
    // run at each claim (a backlog of 1,000 made each claim sort 1,000 rows).
    index('workflow_runs_claim_idx')
      .on(t.created_at)
      .where(sql`${t.status} in ('pending', 'running')`),
    // A deleted run's forks lose their link (set null): found by this index, not a scan.
    index('workflow_runs_parent_idx').on(t.parent_run_id),
    // The claim's other half: waiting runs whose time has come, soonest first.
    index('workflow_runs_wake_idx')
      .on(t.wake_at)
      .where(sql`${t.wake_at} is not null`),
  ],
);

export const workflowRunSteps = pgTable(
  'workflow_run_steps',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    workflow_run_id: uuid('workflow_run_id')
      .notNull()
      .references(() => workflowRuns.id, { onDelete: 'cascade' }),
    step_id: text('step_id').notNull(),
    /** Position in the run's call order; replay checks it. */
    step_index: integer('step_index').notNull(),
    name: text('name').notNull(),
    phase: text('phase').notNull(),
    type: text('type', { enum: STEP_TYPES }).notNull(),
    status: text('status', { enum: STEP_STATUSES }).notNull(),
    attempt: integer('attempt').notNull().default(1),
    input: jsonb('input'),
    /** The step's full result (`StepResult`): what `ctx.step` returns on replay. */
    output: jsonb('output').$type<StepResult>(),
    error: jsonb('error').$type<StepError>(),
    log_directory_path: text('log_directory_path'),
    agent_session_id: uuid('agent_session_id').references(() => agentSessions.id, { onDelete: 'set null' }),
    cli_session_id: text('cli_session_id'),
    started_at: at('started_at'),
    finished_at: at('finished_at'),
    /** Set when a re-run superseded this record; kept as history. */
    invalidated_at: at('invalidated_at'),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('workflow_run_steps_active_idx')
      .on(t.workflow_run_id, t.step_id)
      .where(sql`${t.invalidated_at} is null`),
    index('workflow_run_steps_run_idx').on(t.workflow_run_id, t.step_index),
    // A step's records by id, superseded ones too: what a transition on one step reads.
    index('workflow_run_steps_step_idx').on(t.workflow_run_id, t.step_id),
  ],
);

export const workflowComments = pgTable(
  'workflow_comments',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    workflow_run_id: uuid('workflow_run_id')
      .notNull()
      .references(() => workflowRuns.id, { onDelete: 'cascade' }),
    workflow_run_step_id: uuid('workflow_run_step_id').references(() => workflowRunSteps.id, { onDelete: 'cascade' }),
    text: text('text').notNull(),
    comment_type: text('comment_type', { enum: COMMENT_TYPES }).notNull(),
    created_by: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    /** The engine's deterministic key, so a replayed `ctx.comment` is written once. */
    dedupe_key: text('dedupe_key'),
    /** The diff line a comment is on (`{ file, line, side }`); null for a comment on the run or step as a whole. */
    anchor: jsonb('anchor').$type<CommentAnchor>(),
    ...timestamps,
  },
  (t) => [
    index('workflow_comments_run_idx').on(t.workflow_run_id, t.created_at),
    uniqueIndex('workflow_comments_dedupe_idx')
      .on(t.workflow_run_id, t.dedupe_key)
      .where(sql`${t.dedupe_key} is not null`),
  ],
);

export const workflowArtifacts = pgTable(
  'workflow_artifacts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    workflow_run_step_id: uuid('workflow_run_step_id')
      .notNull()
      .references(() => workflowRunSteps.id, { onDelete: 'cascade' }),
    workflow_comment_id: uuid('workflow_comment_id').references(() => workflowComments.id, { onDelete: 'set null' }),
    /** The uploader's file name, kept for display; never used as a path. */
    name: text('name').notNull(),
    /** Relative to the run's execution directory, server-generated. */
    file_path: text('file_path').notNull(),
    file_type: text('file_type').notNull(),
    mime_type: text('mime_type').notNull(),
    size_bytes: bigint('size_bytes', { mode: 'number' }).notNull(),
    sha256: text('sha256').notNull(),
    /** What the step said the file is (`ctx.artifact`'s `description`). */
    description: text('description'),
    /** The engine's deterministic key, so an artifact a re-run step publishes again is stored once. */
    dedupe_key: text('dedupe_key'),
    ...timestamps,
  },
  (t) => [
    index('workflow_artifacts_step_idx').on(t.workflow_run_step_id),
    index('workflow_artifacts_comment_idx').on(t.workflow_comment_id),
    uniqueIndex('workflow_artifacts_dedupe_idx')
      .on(t.workflow_run_step_id, t.dedupe_key)
      .where(sql`${t.dedupe_key} is not null`),
  ],
);

/**
 * Events sent to runs from outside (`POST /api/events`, `POST /api/workflow-executions/:id/events`), kept so that one
 * sent before its run reaches `ctx.waitForEvent` is delivered when it does. `workflow_run_id` is null for an event
 * sent to the project. A step that took an event journals its id, so a later wait of the run does not take it again.
 */
export const workflowReceivedEvents = pgTable(
  'workflow_received_events',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    project_id: uuid('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    workflow_run_id: uuid('workflow_run_id').references(() => workflowRuns.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    data: jsonb('data').$type<Record<string, unknown>>().notNull().default({}),
    created_at: timestamp('created_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
  },
  (t) => [
    index('workflow_received_events_project_idx').on(t.project_id, t.name, t.created_at),
    index('workflow_received_events_run_idx').on(t.workflow_run_id, t.name),
  ],
);

/**
 * Follow-ups that wait for an agent step's turn: a person's message sent while the turn ran (`message`), delivered by
 * the step when its turn ends, and the comment of a request for changes at a gate (`changes`), which the re-run step
 * starts its session's next turn with. By the template's step id, as the step's records are replaced by a re-run.
 */
export const workflowFollowUps = pgTable(
  'workflow_follow_ups',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    workflow_run_id: uuid('workflow_run_id')
      .notNull()
      .references(() => workflowRuns.id, { onDelete: 'cascade' }),
    step_id: text('step_id').notNull(),
    kind: text('kind', { enum: ['message', 'changes'] }).notNull(),
    message: text('message').notNull(),
    /** `changes`: the superseded record's CLI session, which the re-run step continues. */
    session_id: text('session_id'),
    state: text('state', { enum: ['queued', 'delivering', 'delivered', 'cancelled'] })
      .notNull()
      .default('queued'),
    /** The comment key the message is journaled under, fixed when its delivery begins. */
    dedupe_key: text('dedupe_key'),
    ...timestamps,
  },
  (t) => [index('workflow_follow_ups_step_idx').on(t.workflow_run_id, t.step_id, t.created_at)],
);

/** Every event, in order: the WebSocket's catch-up source and the cross-process channel. */
export const workflowEvents = pgTable(
  'workflow_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    project_id: uuid('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    workflow_run_id: uuid('workflow_run_id').references(() => workflowRuns.id, { onDelete: 'cascade' }),
    type: text('type').notNull(),
    data: jsonb('data').notNull(),
    created_at: timestamp('created_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
  },
  (t) => [index('workflow_events_project_idx').on(t.project_id, t.id)],
);
