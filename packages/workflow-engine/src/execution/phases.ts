/**
 * Phases, gates and the run's status. A step that runs first moves the run to its phase, and waits while a manual
 * gate before it is unapproved; the run's status moves with that and with the executor's outcome.
 */
import { StepSpecError } from '../errors.ts';
import type { RunStatus } from '../types/status.ts';
import type { WorkflowDefinition } from '../types/workflow.ts';
import { statusChanged } from './runEvents.ts';
import { withMovedPhase } from './runScope.ts';
import type { RunScope } from './runScope.ts';

export function assertDeclaredPhase(definition: WorkflowDefinition, id: string, phase: string): void {
  if (!definition.phases.some((p) => p.id === phase)) {
    const declared = definition.phases.map((p) => p.id).join(', ');
    throw new StepSpecError(id, `"${phase}" is not a declared phase (${declared})`);
  }
}

/**
 * Moving to a step's phase. A step that must really run waits while any manual gate up to and including its
 * phase is unapproved — a gated phase with no steps of its own still stops the run before the next phase.
 * Steps replayed from the journal passed their gates already.
 */
export async function moveToPhase(scope: RunScope, phase: string, options: { gate: boolean }): Promise<void> {
  const { definition } = scope;
  scope.cursor.phase = phase;
  const upTo = definition.phases.slice(0, definition.phases.findIndex((p) => p.id === phase) + 1);
  const closed = upTo.find((p) => p.gate === 'manual' && !scope.run.approvedGates.includes(p.id));
  if (options.gate && closed) {
    await setStatus(scope, 'waiting', { waitingGate: closed.id });
    scope.suspension.suspend({ status: 'waiting', gate: closed.id });
  }
  if (scope.run.currentPhase !== phase) {
    const previous = scope.run.currentPhase;
    scope.run = { ...scope.run, currentPhase: phase };
    scope.phaseToWrite = phase;
    scope.emit({
      type: 'workflow.execution.phase_changed',
      data: { execution_id: scope.run.id, phase, previous_phase: previous },
    });
  }
}

export async function setStatus(
  scope: RunScope,
  status: RunStatus,
  extra: { error?: string | null; output?: unknown; waitingGate?: string | null; wakeAt?: string | null } = {},
): Promise<void> {
  const previous = scope.run.status;
  scope.run = await scope.deps.store.updateRun(
    scope.run.id,
    scope.control.lease,
    withMovedPhase(scope, { status, ...extra }),
  );
  const event = statusChanged(scope.run, previous);
  if (event) scope.emit(event);
}
