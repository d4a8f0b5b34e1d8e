/**
 * The SDK's typed errors. Each has a stable `code`; callers map codes, never messages.
 *
 * What the agent does (API errors, failed tools, stalls, budget stops, aborts) is an `AgentResult` with
 * `isError: true`, never a throw. These errors are for problems a retry cannot fix: the CLI is not installed, or the
 * caller's own hook failed.
 */
import type { AgentName } from './types.ts';

/**
 * The kinds of failure these errors are, in the workflow engine's words (its `ERROR_KINDS`), so whoever shows them
 * picks an HTTP status or exit code by kind.
 */
export type AgentSdkErrorKind = 'unavailable' | 'failed';

export abstract class AgentSdkError extends Error {
  abstract readonly code: string;
  abstract readonly kind: AgentSdkErrorKind;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The CLI binary was not found (or is not executable) where the options, the env var or PATH point. */
export class AgentCliNotFoundError extends AgentSdkError {
  readonly code = 'agent_cli_not_found';
  readonly kind = 'unavailable';
  constructor(
    readonly agent: AgentName,
    readonly searched: string,
    readonly installHint: string,
    options?: { cause?: unknown },
  ) {
    super(`${agent} CLI not found (${searched}). Install it with \`${installHint}\` or set its path.`, options);
  }
}

/** The CLI was found but could not be started, e.g. because the step's cwd does not exist. */
export class AgentSpawnError extends AgentSdkError {
  readonly code = 'agent_spawn_failed';
  readonly kind = 'unavailable';
  constructor(
    readonly agent: AgentName,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${agent} could not be started: ${message}`, options);
  }
}

/** `onSessionStarted` or `onEvent` threw; the agent was stopped because its session could not be recorded. */
export class AgentHookError extends AgentSdkError {
  readonly code = 'agent_hook_failed';
  readonly kind = 'failed';
  constructor(
    readonly hook: 'onSessionStarted' | 'onEvent',
    cause: unknown,
  ) {
    super(`${hook} failed, the agent was stopped: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    });
  }
}

/**
 * `SWITCHYARD_AGENTS=replay` and the step's prompt has no cassette: the template or its inputs changed since the
 * recording, or the step was never recorded. Names the step and the file it looked for.
 */
export class AgentCassetteMissingError extends AgentSdkError {
  readonly code = 'agent_cassette_missing';
  readonly kind = 'failed';
  constructor(
    readonly template: string,
    readonly step: string,
    readonly file: string,
  ) {
    super(
      `no recorded agent for step "${step}" of template "${template}" with this prompt: ${file} does not exist ` +
        '(the prompt changed since it was recorded, or the step never was); record it with SWITCHYARD_AGENTS=record',
    );
  }
}

/** A cassette file that cannot be read back (hand-edited, truncated, or of another format version). */
export class AgentCassetteInvalidError extends AgentSdkError {
  readonly code = 'agent_cassette_invalid';
  readonly kind = 'failed';
  constructor(
    readonly file: string,
    readonly line: number,
    reason: string,
  ) {
    super(`${file}:${line}: not a valid agent cassette line: ${reason}`);
  }
}

/** `SWITCHYARD_AGENTS` holds something other than `live`, `record` or `replay`. */
export class AgentModeError extends AgentSdkError {
  readonly code = 'agent_mode_invalid';
  readonly kind = 'unavailable';
  constructor(readonly value: string) {
    super(`SWITCHYARD_AGENTS must be live, record or replay, not ${JSON.stringify(value)}`);
  }
}
