/**
 * The engine's typed errors. Each has a stable `code`; the edges (CLI exit codes, HTTP statuses) map codes,
 * never messages.
 */

export abstract class WorkflowError extends Error {
  abstract readonly code: string;
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
  constructor(
    readonly issues: TemplateIssue[],
    options?: { cause?: unknown },
  ) {
    super(issues.map(formatTemplateIssue).join('\n'), options);
  }
}

export class ArgsValidationError extends WorkflowError {
  readonly code = 'args_invalid';
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
  constructor(
    readonly stepId: string,
    message: string,
  ) {
    super(`step "${stepId}": ${message}`);
  }
}

/** `execute` asked for different steps on replay than the journal recorded: the template is not deterministic. */
export class DeterminismError extends WorkflowError {
  readonly code = 'determinism_violation';
  constructor(
    message: string,
    readonly expectedStepId: string | null,
    readonly actualStepId: string,
  ) {
    super(message);
  }
}

export class DuplicateStepIdError extends WorkflowError {
  readonly code = 'duplicate_step_id';
  constructor(readonly stepId: string) {
    super(`step id "${stepId}" is used twice in one run; each ctx.step call needs its own id`);
  }
}

/** A step failed after its retries and did not continue on error; the run fails with it. */
export class StepFailedError extends WorkflowError {
  readonly code = 'step_failed';
  constructor(
    readonly stepId: string,
    readonly reason: string,
  ) {
    super(`step "${stepId}" failed: ${reason}`);
  }
}

export class LeaseLostError extends WorkflowError {
  readonly code = 'lease_lost';
  constructor(readonly runId: string) {
    super(`run ${runId} is now held by another worker; this worker's writes are refused`);
  }
}

export class RunNotFoundError extends WorkflowError {
  readonly code = 'run_not_found';
  constructor(readonly runId: string) {
    super(`no run with id ${runId}`);
  }
}

export class InvalidTransitionError extends WorkflowError {
  readonly code = 'invalid_transition';
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
  constructor(readonly file: string) {
    super(`${file} is an immutable snapshot and already exists`);
  }
}

/** A run whose execution directory has no `definition.json`: there is no template it is pinned to. */
export class SnapshotMissingError extends WorkflowError {
  readonly code = 'snapshot_missing';
  constructor(
    readonly runId: string,
    readonly dir: string,
  ) {
    super(`run ${runId} has no definition snapshot in ${dir}`);
  }
}

export class AgentUnavailableError extends WorkflowError {
  readonly code = 'agent_unavailable';
  constructor(message: string) {
    super(message);
  }
}
