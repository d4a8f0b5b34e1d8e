import type { RunStatus } from '@switchyard/workflow-engine';

/** The command line's exit codes: scripts and CI branch on them. */
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

/** Error codes that mean "what you asked for is wrong", as opposed to "the workflow went wrong". */
const USAGE_CODES = new Set([
  'usage',
  'template_invalid',
  'args_invalid',
  'step_spec_invalid',
  'run_not_found',
  'invalid_transition',
  'snapshot_missing',
  'server_rejected',
]);

export function exitCodeForError(error: unknown): number {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && USAGE_CODES.has(code) ? EXIT.usage : EXIT.failed;
}
