/**
 * The lifecycle of a step that must really run: its start is journaled, `runStep` runs it, and its commit — the
 * step's durability point — journals the outcome together with the run's progress. A step interrupted by a pause
 * or a cancel is journaled so that it runs again on resume, or ends with its run.
 */
import { resolve } from 'node:path';
import { StepFailedError } from '../errors.ts';
import type { AgentResult, JournalRecord, StepProgress } from '../ports.ts';
import type { StepLog } from '../storage/FileSystemStorage.ts';
import type { StepResult, StepSpec, StepType } from '../types/step.ts';
import { addSpend, stepBudget } from './budget.ts';
import { moveToPhase } from './phases.ts';
import type { JournalSlot } from './replay.ts';
import type { Suspension } from './RunSuspended.ts';
import { saveCheckpoint } from './runScope.ts';
import type { RunScope } from './runScope.ts';
import { runStep } from './runStep.ts';
import { describeStepInput } from './stepSpec.ts';
import { writeStepSummary } from './stepSummary.ts';

/** Runs a step that has no final record, once its run may go on and its phase is open; resolves once committed. */
export async function runNewStep(
  scope: RunScope,
  id: string,
  requested: StepSpec,
  { position, recorded }: JournalSlot,
): Promise<StepResult> {
  const { control, deps, suspension } = scope;
  await suspension.guard(() => control.atBoundary());
  await suspension.guard(() => moveToPhase(scope, requested.phase, { gate: true }));
  const spec = await withBudget(scope, id, requested);
  const { firstAttempt, startedAt, log, emitStarted } = await startStep(scope, id, spec, position, recorded);

  const outcome = await runStep({
    runId: scope.run.id,
    stepId: id,
    spec,
    firstAttempt,
    workingDir: deps.workingDir,
    control: control.signal,
    retryBaseDelayMs: deps.retryBaseDelayMs,
    log,
    agents: deps.agents,
    resumeSessionId: recorded?.agentSessionId ?? null,
    progress: (progress: StepProgress) =>
      scope.emit({
        type: 'workflow.step.progress',
        data: { execution_id: scope.run.id, step_id: id, phase: spec.phase, progress },
      }),
    onAttempt: async (attempt) => {
      await deps.store.updateStep(scope.run.id, control.lease, id, { attempt });
      emitStarted(attempt);
    },
    onAgentSession: async (sessionId) => {
      await deps.store.updateStep(scope.run.id, control.lease, id, { agentSessionId: sessionId });
    },
  });
  if (log) scope.writes.add(log.close());

  if (spec.type === 'agent' && outcome.kind === 'finished') addSpend(scope.spent, outcome.data as AgentResult | null);
  if (outcome.kind === 'interrupted') {
    return interrupted(scope, id, spec.phase, outcome.suspension, startedAt, outcome.attempts);
  }

  const result: StepResult = {
    status: outcome.ok ? 'completed' : 'failed',
    data: outcome.data,
    attempts: outcome.attempts,
    startedAt,
    finishedAt: new Date().toISOString(),
  };
  if (outcome.error) result.error = outcome.error;
  await commit(scope, id, position, spec.phase, { status: result.status, result, error: outcome.error });
  saveCheckpoint(scope, id);
  if (log) scope.writes.add(writeStepSummary(log, id, spec, result));
  if (!outcome.ok && !spec.continueOnError) throw new StepFailedError(id, outcome.error?.message ?? 'failed');
  return result;
}

/** Journals a step as skipped: it passes its phase without waiting at a gate, and nothing runs. */
export async function skipStep(
  scope: RunScope,
  id: string,
  spec: { phase: string; name?: string; reason?: string; type?: StepType },
  position: number,
): Promise<StepResult<null>> {
  await scope.control.atBoundary();
  await moveToPhase(scope, spec.phase, { gate: false });
  const now = new Date().toISOString();
  const result: StepResult<null> = { status: 'skipped', data: null, attempts: 0, startedAt: now, finishedAt: now };
  if (spec.reason) result.error = { code: 'skipped', message: spec.reason };
  await scope.deps.store.startStep(scope.run.id, scope.control.lease, {
    stepId: id,
    index: position,
    name: spec.name ?? id,
    phase: spec.phase,
    type: spec.type ?? 'function',
    input: { reason: spec.reason ?? null },
    attempt: 0,
  });
  await commit(scope, id, position, spec.phase, { status: 'skipped', result, error: null });
  saveCheckpoint(scope, id);
  return result;
}

/** An agent step gets what is left of the run's budget, and does not start once that is spent. */
async function withBudget(scope: RunScope, id: string, spec: StepSpec): Promise<StepSpec> {
  if (spec.type !== 'agent') return spec;
  const allowed = stepBudget(spec.budget, scope.definition.budget, scope.spent);
  if (allowed.exhausted) {
    await scope.comment(`Paused before step "${id}": ${allowed.exhausted}. Resume to grant another budget's worth.`);
    scope.suspension.suspend({ status: 'paused' });
  }
  return allowed.budget ? { ...spec, budget: allowed.budget } : spec;
}

async function startStep(
  scope: RunScope,
  id: string,
  spec: StepSpec,
  position: number,
  recorded: JournalRecord | undefined,
): Promise<{ firstAttempt: number; startedAt: string; log: StepLog | undefined; emitStarted(attempt: number): void }> {
  const { deps } = scope;
  const runId = scope.run.id;
  const name = spec.name ?? id;
  const firstAttempt = (recorded?.attempt ?? 0) + 1;
  const startedAt = new Date().toISOString();
  const input = describeStepInput(spec);
  // The agent_sessions record exists before the agent process does, so the step links to it from the start; a
  // resumed step keeps the record of the session it continues.
  const agentSessionRecordId =
    spec.type === 'agent' && deps.agentSessions
      ? (recorded?.agentSessionRecordId ??
        (await deps.agentSessions.createSession({
          runId,
          stepId: id,
          agent: spec.agent,
          cwd: resolve(deps.workingDir, spec.cwd ?? '.'),
        })))
      : undefined;
  await deps.store.startStep(
    runId,
    scope.control.lease,
    {
      stepId: id,
      index: position,
      name,
      phase: spec.phase,
      type: spec.type,
      input,
      attempt: firstAttempt,
      ...(agentSessionRecordId ? { agentSessionRecordId } : {}),
    },
    { currentStepIndex: position },
  );
  scope.run = { ...scope.run, currentStepIndex: position };
  const log = deps.files?.stepLog(id);
  if (log) scope.writes.add(log.writeInput({ step_id: id, ...input, attempt: firstAttempt }));
  const emitStarted = (attempt: number) =>
    scope.emit({
      type: 'workflow.step.started',
      data: { execution_id: runId, step_id: id, phase: spec.phase, name, step_type: spec.type, attempt },
    });
  emitStarted(firstAttempt);
  return { firstAttempt, startedAt, log, emitStarted };
}

/** The durability point: the step's result and the run's progress in one store write. */
async function commit(
  scope: RunScope,
  id: string,
  position: number,
  phase: string,
  outcome: { status: StepResult['status']; result: StepResult; error: StepResult['error'] | null },
): Promise<void> {
  const record = await scope.deps.store.finishStep(
    scope.run.id,
    scope.control.lease,
    id,
    { ...outcome, error: outcome.error ?? null },
    { currentStepIndex: position + 1 },
  );
  scope.cursor.committed(record);
  scope.run = { ...scope.run, currentStepIndex: position + 1 };
  scope.emit({
    type: 'workflow.step.completed',
    data: { execution_id: scope.run.id, step_id: id, phase, status: outcome.status, result: outcome.result },
  });
}

async function interrupted(
  scope: RunScope,
  id: string,
  phase: string,
  suspension: Suspension,
  startedAt: string,
  attempts: number,
): Promise<never> {
  const { store } = scope.deps;
  const runId = scope.run.id;
  if (suspension.status === 'cancelled') {
    // A step interrupted by its own cancellation is journaled as cancelled: the run ends here.
    const result: StepResult = {
      status: 'cancelled',
      data: null,
      attempts,
      startedAt,
      finishedAt: new Date().toISOString(),
      error: { code: 'cancelled', message: 'the run was cancelled' },
    };
    await store.finishStep(runId, scope.control.lease, id, { status: 'cancelled', result, error: result.error! });
    scope.emit({
      type: 'workflow.step.completed',
      data: { execution_id: runId, step_id: id, phase, status: 'cancelled', result },
    });
  } else if (suspension.status === 'paused') {
    // Not finished: the step runs again on resume, and an agent step continues its journaled session.
    await store.updateStep(runId, scope.control.lease, id, { status: 'pending', attempt: attempts });
    if (suspension.reason) await scope.comment(`Paused: ${suspension.reason}`, { stepId: id }).catch(() => undefined);
  }
  scope.suspension.suspend(suspension);
}
