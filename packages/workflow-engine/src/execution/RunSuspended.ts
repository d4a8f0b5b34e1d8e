/** Why a run stopped before its end without failing. */
export type Suspension =
  | { status: 'paused'; reason?: string }
  | { status: 'waiting'; gate: string }
  | { status: 'cancelled' }
  | { status: 'lease_lost' };

/**
 * Unwinds `execute` when a run suspends. Not a `WorkflowError`: it is control flow, and the executor also
 * notices a suspension that template code caught and swallowed.
 */
export class RunSuspended extends Error {
  constructor(readonly suspension: Suspension) {
    super(`run suspended: ${suspension.status}`);
    this.name = 'RunSuspended';
  }
}
