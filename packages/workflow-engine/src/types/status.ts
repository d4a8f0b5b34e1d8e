/**
 * The statuses of runs and steps, and the step types: the one list each, `as const`, that the parsers, the
 * database schema, the API's zod schemas and the command line all read.
 */

export const RUN_STATUSES = ['pending', 'running', 'paused', 'waiting', 'completed', 'failed', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** A run in one of these never changes status again (short of a re-run). */
export const TERMINAL_RUN_STATUSES = ['completed', 'failed', 'cancelled'] as const satisfies readonly RunStatus[];

export const STEP_STATUSES = ['pending', 'running', 'completed', 'failed', 'skipped', 'cancelled'] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

/**
 * `agent`, `script` and `function` run through `ctx.step`; the others are context calls journaled as steps of their
 * own: `artifact` (`ctx.artifact`), `sleep` (`ctx.sleep`), `input` (`ctx.waitForInput`) and `event`
 * (`ctx.waitForEvent`).
 */
export const STEP_TYPES = ['agent', 'script', 'function', 'artifact', 'sleep', 'input', 'event'] as const;
export type StepType = (typeof STEP_TYPES)[number];

/** Who wrote a comment: a person, the engine (`ctx.comment`, budget stops), or an agent. */
export const COMMENT_TYPES = ['user', 'system', 'agent'] as const;
export type CommentType = (typeof COMMENT_TYPES)[number];
