/** What the commands that execute or follow a run share about its states, wherever the run is. */
import type { RunStatus } from '@switchyard/workflow-engine';
import { UsageError } from '../errors.ts';

/** Statuses at which a command that executes or follows a run is done with it. */
export const STOPPED_STATUSES: ReadonlySet<RunStatus> = new Set([
  'completed',
  'failed',
  'cancelled',
  'paused',
  'waiting',
]);

/** What Ctrl-C prints as it pauses a run. */
export const pausingMessage = (runId: string) =>
  `\npausing ${runId} (Ctrl-C again to quit at once; the run stays resumable)\n`;

/**
 * Whether `resume` applies: a paused or failed run is made runnable first; a running or pending one (its process
 * died) is taken up as it is. Waiting and finished runs have their own commands.
 */
export function resumeNeedsRequest(runId: string, status: RunStatus, waitingGate: string | null): boolean {
  if (status === 'paused' || status === 'failed') return true;
  if (status === 'waiting')
    throw new UsageError(
      `run ${runId} is waiting at the gate of "${waitingGate}": approve it with \`switchyard advance ${runId}\``,
    );
  if (status === 'completed' || status === 'cancelled')
    throw new UsageError(
      `run ${runId} is ${status}; to run phases again use \`switchyard rerun ${runId} --phase <phase>\``,
    );
  return false;
}
