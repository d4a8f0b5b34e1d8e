/** The run-level events both the executor and a run's context emit, built in one place. */
import type { WorkflowEvent } from '../ports.ts';
import type { RunStatus } from '../types/status.ts';
import type { WorkflowRun } from '../types/workflow.ts';

/**
 * `workflow.execution.status_changed` for `run` as a write left it, when its status was `previous` before that
 * write (null for a run just created); undefined when the write did not change the status.
 */
export function statusChanged(run: WorkflowRun, previous: RunStatus | null): WorkflowEvent | undefined {
  if (run.status === previous) return undefined;
  return {
    type: 'workflow.execution.status_changed',
    data: {
      execution_id: run.id,
      status: run.status,
      previous_status: previous,
      ...(run.error ? { error: run.error } : {}),
      ...(run.wakeAt ? { wake_at: run.wakeAt } : {}),
    },
  };
}
