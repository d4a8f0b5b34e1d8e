/**
 * The command line's exit codes, which scripts and CI branch on: one for how a run stopped, one per error kind
 * (the engine's `ERROR_KINDS`, shared by every package) for a command that could not be carried out.
 */
import { ERROR_KINDS } from '@switchyard/workflow-engine/vocabulary';
import type { ErrorKind, RunStatus } from '@switchyard/workflow-engine/vocabulary';

export const EXIT = {
  completed: 0,
  failed: 1,
  usage: 2,
  suspended: 3,
} as const;

export function exitCodeForStatus(status: RunStatus): number {
  if (status === 'completed') return EXIT.completed;
  if (status === 'paused' || status === 'waiting' || status === 'pending' || status === 'running')
    return EXIT.suspended;
  return EXIT.failed;
}

/** "What you asked for is wrong" (2), as opposed to "the work, or something it needs, went wrong" (1). */
export const EXIT_CODE_BY_KIND: Record<ErrorKind, number> = {
  invalid: EXIT.usage,
  unauthorized: EXIT.usage,
  forbidden: EXIT.usage,
  not_found: EXIT.usage,
  gone: EXIT.usage,
  conflict: EXIT.usage,
  too_large: EXIT.usage,
  unsupported_media_type: EXIT.usage,
  range_not_satisfiable: EXIT.usage,
  unprocessable: EXIT.usage,
  failed: EXIT.failed,
  unavailable: EXIT.failed,
  insufficient_storage: EXIT.failed,
};

/** An error of unknown kind (a bug, an I/O failure no one typed) exits 1. */
export function exitCodeForError(error: unknown): number {
  const kind = (error as { kind?: unknown } | null)?.kind;
  return typeof kind === 'string' && (ERROR_KINDS as readonly string[]).includes(kind)
    ? EXIT_CODE_BY_KIND[kind as ErrorKind]
    : EXIT.failed;
}
