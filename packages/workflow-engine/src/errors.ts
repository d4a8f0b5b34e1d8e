/**
 * The engine's typed errors. Each has a stable `code` and a {@link ErrorKind}; the edges derive an HTTP status and
 * a CLI exit code from the kind, each in one table, and never read messages.
 */
import type { StepStatus, StepType } from './types/status.ts';

/**
 * What kind of failure an error is, in words every package shares (the agent SDK's and the server's errors use
 * the same ones). The kind, not the code, decides the HTTP status and the exit code.
 */
export const ERROR_KINDS = [
  /** The input is malformed: a field is missing, of the wrong type or out of range. */
  'invalid',
  /** No credentials, or wrong ones. */
  'unauthorized',
  /** Understood, and refused for where it comes from (a foreign origin or host). */
  'forbidden',
  'not_found',
  /** It existed, and is gone for good (an artifact's file removed from disk). */
  'gone',
  /** Not possible in the current state: a finished run paused, a run held by another worker. */
  'conflict',
  'too_large',
  'unsupported_media_type',
  'range_not_satisfiable',
  /** Well-formed, but the template (or a run's pinned copy of it) cannot be used as it is. */
  'unprocessable',
  /** The workflow itself went wrong: a step failed. */
  'failed',
  /** Something outside is not there: an agent CLI, the server, the database held by another process. */
  'unavailable',
  /** A write failed for want of space or permission. */
  'insufficient_storage',
] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];

export abstract class WorkflowError extends Error {
  abstract readonly code: string;
  abstract readonly kind: ErrorKind;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** One problem in a template, located as precisely as the source allows. */
export interface TemplateIssue {
  file: string;
  line?: number;
  column?: number;
  /** Field path like `steps[2].phase`; empty for file-level problems. */
  path: string;
  message: string;
}

export function formatTemplateIssue(issue: TemplateIssue): string {
  const where = [issue.file, issue.line, issue.line !== undefined ? issue.column : undefined]
    .filter((part) => part !== undefined)
    .join(':');
  return issue.path ? `${where} ${issue.path}: ${issue.message}` : `${where} ${issue.message}`;
}

export class TemplateError extends WorkflowError {
  readonly code = 'template_invalid';
  readonly kind = 'unprocessable';
  constructor(
    readonly issues: TemplateIssue[],
    options?: { cause?: unknown },
  ) {
    super(issues.map(formatTemplateIssue).join('\n'), options);
  }
}

export class ArgsValidationError extends WorkflowError {
  readonly code = 'args_invalid';
  readonly kind = 'invalid';
  constructor(
    readonly templateId: string,
    readonly issues: { path: string; message: string }[],
  ) {
    super(`invalid args for ${templateId}: ${issues.map((i) => `${i.path || '(args)'}: ${i.message}`).join('; ')}`);
  }
}

/** A step spec passed to `ctx.step` that the engine cannot run. */
export class StepSpecError extends WorkflowError {
  readonly code = 'step_spec_invalid';
  readonly kind = 'unprocessable';
  constructor(
    readonly stepId: string,
    message: string,
  ) {
    super(`step "${stepId}": ${message}`);
  }
}

/**
 * `execute` asked for different steps on replay than the journal recorded: the template is not deterministic.
 * The types are set when the step id matched and its type did not.
 */
export class DeterminismError extends WorkflowError {
  readonly code = 'determinism_violation';
  readonly kind = 'unprocessable';
  readonly expectedType: StepType | null;
  readonly actualType: StepType | null;
  constructor(
    message: string,
    readonly expectedStepId: string | null,
    readonly actualStepId: string,
    types?: { expected: StepType; actual: StepType },
  ) {
    super(message);
    this.expectedType = types?.expected ?? null;
    this.actualType = types?.actual ?? null;
  }
}

export class DuplicateStepIdError extends WorkflowError {
  readonly code = 'duplicate_step_id';
  readonly kind = 'unprocessable';
  constructor(readonly stepId: string) {
    super(`step id "${stepId}" is used twice in one run; each ctx.step call needs its own id`);
  }
}

/** A step failed after its retries and did not continue on error; the run fails with it. */
export class StepFailedError extends WorkflowError {
  readonly code = 'step_failed';
  readonly kind = 'failed';
  constructor(
    readonly stepId: string,
    readonly reason: string,
  ) {
    super(`step "${stepId}" failed: ${reason}`);
  }
}

export class LeaseLostError extends WorkflowError {
  readonly code = 'lease_lost';
  readonly kind = 'conflict';
  constructor(readonly runId: string) {
    super(`run ${runId} is now held by another worker; this worker's writes are refused`);
  }
}

/** A write to a step of a run whose journal holds no active record of it: never started, or superseded by a re-run. */
export class JournalRecordNotFoundError extends WorkflowError {
  readonly code = 'journal_record_not_found';
  readonly kind = 'not_found';
  constructor(
    readonly runId: string,
    readonly stepId: string,
  ) {
    super(`run ${runId} has no journal record for step "${stepId}"`);
  }
}

/** A follow-up that cannot be sent to this step: not an agent step, no session, or its turn still running. */
export class FollowUpRefusedError extends WorkflowError {
  readonly code = 'follow_up_refused';
  readonly kind = 'conflict';
  constructor(
    readonly runId: string,
    readonly stepId: string,
    readonly reason: string,
  ) {
    super(`a follow-up to step "${stepId}" of run ${runId} cannot be sent: ${reason}`);
  }
}

/** A request for changes a run cannot take: it waits at no gate, or its gate has no phase before it to change. */
export class ChangesRefusedError extends WorkflowError {
  readonly code = 'changes_refused';
  readonly kind = 'conflict';
  constructor(
    readonly runId: string,
    readonly reason: string,
  ) {
    super(`changes cannot be requested of run ${runId}: ${reason}`);
  }
}

/** A step whose journal record is final (completed or skipped) cannot start again: replay returns its result. */
export class StepAlreadyFinalError extends WorkflowError {
  readonly code = 'step_already_final';
  readonly kind = 'conflict';
  constructor(
    readonly runId: string,
    readonly stepId: string,
    readonly status: StepStatus,
  ) {
    super(`step "${stepId}" of run ${runId} is already ${status}`);
  }
}

export class RunNotFoundError extends WorkflowError {
  readonly code = 'run_not_found';
  readonly kind = 'not_found';
  constructor(readonly runId: string) {
    super(`no run with id ${runId}`);
  }
}

export class InvalidTransitionError extends WorkflowError {
  readonly code = 'invalid_transition';
  readonly kind = 'conflict';
  constructor(
    readonly runId: string,
    readonly action: string,
    readonly status: string,
  ) {
    super(`cannot ${action} run ${runId}: it is ${status}`);
  }
}

export class SnapshotImmutableError extends WorkflowError {
  readonly code = 'snapshot_immutable';
  readonly kind = 'conflict';
  constructor(readonly file: string) {
    super(`${file} is an immutable snapshot and already exists`);
  }
}

/** A run whose execution directory has no `definition.json`: there is no template it is pinned to. */
export class SnapshotMissingError extends WorkflowError {
  readonly code = 'snapshot_missing';
  readonly kind = 'conflict';
  constructor(
    readonly runId: string,
    readonly dir: string,
  ) {
    super(`run ${runId} has no definition snapshot in ${dir}`);
  }
}

export class AgentUnavailableError extends WorkflowError {
  readonly code = 'agent_unavailable';
  readonly kind = 'unavailable';
  constructor(message: string) {
    super(message);
  }
}

/**
 * A git workspace that cannot be made or kept: `git_unavailable` (no git program), `not_a_git_repository` (a
 * worktree asked for outside one), `workspace_unsupported` (no commit yet, submodules, LFS), `base_invalid` (the
 * base asked for names no commit, or was asked for a run in place), `git_failed` (a git command failed; its stderr
 * is in the message).
 */
export type WorkspaceErrorCode =
  'git_unavailable' | 'not_a_git_repository' | 'workspace_unsupported' | 'base_invalid' | 'git_failed';

const WORKSPACE_ERROR_KINDS: Record<WorkspaceErrorCode, ErrorKind> = {
  base_invalid: 'invalid',
  git_unavailable: 'unavailable',
  not_a_git_repository: 'unprocessable',
  workspace_unsupported: 'unprocessable',
  git_failed: 'failed',
};

export class WorkspaceError extends WorkflowError {
  readonly kind: ErrorKind;
  constructor(
    readonly code: WorkspaceErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.kind = WORKSPACE_ERROR_KINDS[code];
  }
}
