/**
 * The web app's typed errors — the server's domain services, the command line and the server's start-up throw
 * these (besides the engine's and the agent SDK's). Each has a stable `code` and an {@link ErrorKind}; the HTTP
 * status and the exit code are derived from the kind at the edges (`server/http/errorHandler.ts`,
 * `cli/exitCodes.ts`), each from one table.
 */
import type { ErrorKind } from '@switchyard/workflow-engine';
import type { FieldIssue } from './protocol/common.ts';

export abstract class AppError extends Error {
  abstract readonly code: string;
  abstract readonly kind: ErrorKind;
  /** Machine-readable facts for the API's `details`: the fields to fix (`fields`), the ids involved. */
  readonly details: Record<string, unknown>;
  constructor(message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.details = details;
  }
}

/** An id that names nothing; `field` is where the id came from (`id`, `workflow_run_step_id`, …). */
export class NotFoundError extends AppError {
  readonly kind = 'not_found';
  readonly code: string;
  constructor(
    readonly resource: string,
    readonly id: string,
    options: { field?: string; code?: string; message?: string; details?: Record<string, unknown> } = {},
  ) {
    const field = options.field ?? 'id';
    super(options.message ?? `no ${resource} with id ${id}`, {
      resource,
      id,
      fields: [{ field, message: `no ${resource} with this id` }],
      ...options.details,
    });
    this.code = options.code ?? 'not_found';
  }
}

/** Input that breaks the rules of its fields; each offending field is named. */
export class InvalidInputError extends AppError {
  readonly kind = 'invalid';
  readonly code: string;
  constructor(
    readonly fields: FieldIssue[],
    code = 'validation_failed',
  ) {
    super(fields.map((i) => (i.field ? `${i.field}: ${i.message}` : i.message)).join('; '), { fields });
    this.code = code;
  }
}

/** Well-formed, but not possible in the current state of what it is about. */
export class ConflictError extends AppError {
  readonly kind = 'conflict';
  constructor(
    readonly code: string,
    message: string,
    details: Record<string, unknown> = {},
  ) {
    super(message, details);
  }
}

/**
 * A run's branch that cannot be merged into its base now: `state` says why (`not_fast_forward`, `checkout_dirty`,
 * `run_not_finished`, … — the protocol's `MERGE_STATES`), the message the reason and what to do by hand.
 */
export class MergeRefusedError extends AppError {
  readonly kind = 'conflict';
  readonly code = 'merge_refused';
  constructor(
    readonly runId: string,
    readonly state: string,
    readonly reason: string,
    readonly base: string | null,
  ) {
    super(`run ${runId} cannot be merged${base ? ` into ${base}` : ''}: ${reason}`, { state, reason, base });
  }
}

/** Well-formed, but the template it needs cannot be used (invalid, or its file is gone). */
export class TemplateUnusableError extends AppError {
  readonly kind = 'unprocessable';
  readonly code = 'template_invalid';
  constructor(message: string, field: string, fieldMessage = message) {
    super(message, { fields: [{ field, message: fieldMessage }] });
  }
}

export class TooLargeError extends AppError {
  readonly kind = 'too_large';
  constructor(
    readonly code: string,
    message: string,
    details: Record<string, unknown> = {},
  ) {
    super(message, details);
  }
}

export class UnsupportedMediaTypeError extends AppError {
  readonly kind = 'unsupported_media_type';
  readonly code = 'unsupported_media_type';
  constructor(message: string, field: string, fieldMessage: string) {
    super(message, { fields: [{ field, message: fieldMessage }] });
  }
}

/** A file the database still lists but that is no longer on disk. */
export class GoneError extends AppError {
  readonly kind = 'gone';
  constructor(
    readonly code: string,
    message: string,
    details: Record<string, unknown> = {},
  ) {
    super(message, details);
  }
}

/** Understood, and refused for where it comes from: a Host or Origin this server does not serve. */
export class ForbiddenError extends AppError {
  readonly kind = 'forbidden';
  constructor(
    readonly code: string,
    message: string,
    field: string,
  ) {
    super(message, { fields: [{ field, message }] });
  }
}

export class UnauthorizedError extends AppError {
  readonly kind = 'unauthorized';
  readonly code = 'unauthorized';
}

/** The file system refused a write: the disk is full, or the data directory is read-only or not ours. */
export class StorageError extends AppError {
  readonly kind = 'insufficient_storage';
  readonly code = 'storage_unwritable';
  static readonly SYSTEM_CODES = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EACCES', 'EPERM']);

  /** The typed form of a Node.js file-system error that means "cannot write here", else undefined. */
  static from(error: unknown): StorageError | undefined {
    const { code, path } = (error ?? {}) as { code?: unknown; path?: unknown };
    if (typeof code !== 'string' || !StorageError.SYSTEM_CODES.has(code)) return undefined;
    const where = typeof path === 'string' ? ` (${path})` : '';
    return new StorageError(
      `the server could not write its data: ${code}${where}`,
      { system_code: code },
      { cause: error },
    );
  }
}

/** A command line that cannot be carried out as typed; the message ends with a pointer to the usage. */
export class UsageError extends AppError {
  readonly kind = 'invalid';
  readonly code = 'usage';
  constructor(message: string) {
    super(message);
  }
}

/** What a kind of answer from the server means for the command line that asked. */
const KIND_OF_STATUS: Record<number, ErrorKind> = {
  400: 'invalid',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  410: 'gone',
  413: 'too_large',
  415: 'unsupported_media_type',
  416: 'range_not_satisfiable',
  422: 'unprocessable',
  507: 'insufficient_storage',
};

/**
 * A request to the server holding the project's database that did not succeed: `server_rejected` for what was
 * asked (a 4xx answer; the kind follows the status), `server_failed` for the server's own trouble,
 * `server_unreachable` when it did not answer.
 */
export class ServerRequestError extends AppError {
  readonly kind: ErrorKind;
  constructor(
    readonly code: 'server_rejected' | 'server_failed' | 'server_unreachable',
    message: string,
    readonly status: number | null = null,
    /** The API's own error code (`not_found`, `invalid_transition`, …). */
    readonly apiCode: string | null = null,
  ) {
    super(message, { status, api_code: apiCode });
    this.kind = code === 'server_rejected' ? (KIND_OF_STATUS[status ?? 400] ?? 'invalid') : 'unavailable';
  }
}

/** `switchyard serve` refuses a configuration that would be unsafe (another address without a token). */
export class ServeRefusedError extends AppError {
  readonly kind = 'invalid';
  readonly code = 'serve_refused';
}

/** PGlite is one process per data directory, and another live process holds this one. */
export class DataDirLockedError extends AppError {
  readonly kind = 'unavailable';
  readonly code = 'data_dir_locked';
  constructor(
    readonly dir: string,
    readonly holder: { pid: number; host: string; command: string; since: string },
  ) {
    super(
      `the database in ${dir} is in use by process ${holder.pid} on ${holder.host} (${holder.command}, since ${holder.since}); ` +
        'stop it, or talk to it through its HTTP API, or set DATABASE_URL to share a PostgreSQL database',
      { dir, holder },
    );
  }
}

export type EventBridgeErrorCode =
  /** The event was published here but could not be sent to the other processes. */
  | 'event_not_shared'
  /** A notification on the channel was not one this bridge understands. */
  | 'notification_invalid'
  /** A notification referred to a `workflow_events` row that could not be read. */
  | 'event_ref_missing';

/** An event that could not cross between processes; reported, never thrown at a request. */
export class EventBridgeError extends AppError {
  readonly kind = 'unavailable';
  constructor(
    readonly code: EventBridgeErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, {}, options);
  }
}
