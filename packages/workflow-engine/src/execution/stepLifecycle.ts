/**
 * The lifecycle of a step that must really run: its start is journaled, `runStep` runs it, and its commit — the
 * step's durability point — journals the outcome together with the run's progress. A step interrupted by a pause
 * or a cancel is journaled so that it runs again on resume, or ends with its run.
 *
 * A function step has no start record: it holds no process and no agent session that a resumed step would need to
 * find, and a crash before its commit runs it again either way. Its record is written once, final, at the commit —
 * one write per step instead of two.
 */
import { resolve } from 'node:path';
import { StepFailedError } from '../errors.ts';
import type { AgentResult, JournalRecord, JournalRecordStart, StepOutcome, StepProgress } from '../ports.ts';
import type { StepLog } from '../storage/FileSystemStorage.ts';
import type { StepResult, StepSpec, StepType } from '../types/step.ts';
import { artifactInbox, publishStepArtifacts } from './artifacts.ts';
import { addSpend, stepBudget } from './budget.ts';
import { moveToPhase } from './phases.ts';
import type { JournalSlot } from './replay.ts';
import type { Suspension } from './RunSuspended.ts';
import { saveCheckpoint, withMovedPhase } from './runScope.ts';
import type { RunScope } from './runScope.ts';
import { stepFollowUps } from './queuedFollowUps.ts';
import { runStep } from './runStep.ts';
import { describeStepInput } from './stepSpec.ts';
import { writeStepSummary } from './stepSummary.ts';
import { beforeWorkspaceStep, commitWorkspaceStep, resetWorkspaceForRetry } from './workspaceSteps.ts';

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
  await beforeWorkspaceStep(scope, id, spec, recorded);
  const started = await startStep(scope, id, spec, position, recorded);
  const { firstAttempt, startedAt, log, emitStarted, durableStart } = started;

  const outcome = await runStep({
    runId: scope.run.id,
    stepId: id,
    templateId: scope.definition.id,
    spec,
    firstAttempt,
    workingDir: deps.workingDir,
    control: control.signal,
    retryBaseDelayMs: deps.retryBaseDelayMs,
    log,
    agents: deps.agents,
    resumeSessionId: recorded?.agentSessionId ?? null,
    followUps: spec.type === 'agent' ? stepFollowUps(deps, scope.run.id, id) : undefined,
    artifactInbox: spec.type === 'function' ? undefined : artifactInbox(scope, id),
    progress: (progress: StepProgress) =>
      scope.emit({
        type: 'workflow.step.progress',
        data: { execution_id: scope.run.id, step_id: id, phase: spec.phase, progress },
      }),
    onAttempt: async (attempt) => {
      await resetWorkspaceForRetry(scope, id, attempt);
      if (durableStart) await deps.store.updateStep(scope.run.id, control.lease, id, { attempt });
      emitStarted(attempt);
    },
    onAgentSession: async (sessionId) => {
      await deps.store.updateStep(scope.run.id, control.lease, id, { agentSessionId: sessionId });
    },
  });
  if (log) scope.writes.add(log.close());

  if (spec.type === 'agent' && outcome.kind === 'finished') addSpend(scope.spent, outcome.data as AgentResult | null);
  if (outcome.kind === 'interrupted') {
    return interrupted(scope, id, started, outcome.suspension, outcome.attempts);
  }

  // Its artifacts are published before the commit, so the journaled result lists them; one that cannot be fails it.
  const published = durableStart ? await publishStepArtifacts(scope, id, spec) : { artifacts: [] };
  const ok = outcome.ok && !published.error;
  const error = outcome.error ?? published.error ?? null;
  const result: StepResult = {
    status: ok ? 'completed' : 'failed',
    data: outcome.data,
    attempts: outcome.attempts,
    startedAt,
    finishedAt: new Date().toISOString(),
  };
  if (error) result.error = error;
  if (published.artifacts.length > 0) result.artifacts = published.artifacts;
  await commitWorkspaceStep(scope, id, spec, result);
  await commit(scope, id, started, { status: result.status, result, error });
  saveCheckpoint(scope, id);
  if (log) scope.writes.add(writeStepSummary(log, id, spec, result));
  if (!ok && !spec.continueOnError) throw new StepFailedError(id, error?.message ?? 'failed');
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
  const start = {
    stepId: id,
    index: position,
    name: spec.name ?? id,
    phase: spec.phase,
    type: spec.type ?? 'function',
    input: { reason: spec.reason ?? null },
    attempt: 0,
  };
  await commit(scope, id, { start, durableStart: false }, { status: 'skipped', result, error: null });
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

interface StartedStep {
  start: JournalRecordStart;
  /** Whether the start was journaled: false for a function step, whose record is written at its commit. */
  durableStart: boolean;
  firstAttempt: number;
  startedAt: string;
  log: StepLog | undefined;
  emitStarted(attempt: number): void;
}

async function startStep(
  scope: RunScope,
  id: string,
  spec: StepSpec,
  position: number,
  recorded: JournalRecord | undefined,
): Promise<StartedStep> {
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
  const start: JournalRecordStart = {
    stepId: id,
    index: position,
    name,
    phase: spec.phase,
    type: spec.type,
    input,
    attempt: firstAttempt,
    startedAt,
    ...(agentSessionRecordId ? { agentSessionRecordId } : {}),
  };
  // A function step with artifacts globs needs its record before its commit: the artifacts belong to it.
  const durableStart = spec.type !== 'function' || (spec.artifacts?.length ?? 0) > 0;
  if (durableStart) {
    await deps.store.startStep(
      runId,
      scope.control.lease,
      start,
      withMovedPhase(scope, { currentStepIndex: position }),
    );
    scope.run = { ...scope.run, currentStepIndex: position };
  }
  const log = deps.files?.stepLog(id);
  if (log) scope.writes.add(log.writeInput({ step_id: id, ...input, attempt: firstAttempt }));
  const emitStarted = (attempt: number) =>
    scope.emit({
      type: 'workflow.step.started',
      data: { execution_id: runId, step_id: id, phase: spec.phase, name, step_type: spec.type, attempt },
    });
  emitStarted(firstAttempt);
  return { start, durableStart, firstAttempt, startedAt, log, emitStarted };
}

/** The durability point: the step's result and the run's progress in one store write. */
export async function commit(
  scope: RunScope,
  id: string,
  { start, durableStart }: Pick<StartedStep, 'start' | 'durableStart'>,
  outcome: StepOutcome,
): Promise<void> {
  const { store } = scope.deps;
  const { lease } = scope.control;
  const progress = withMovedPhase(scope, { currentStepIndex: start.index + 1 });
  const phase = start.phase;
  const record = durableStart
    ? await store.finishStep(scope.run.id, lease, id, outcome, progress)
    : await store.recordStep(scope.run.id, lease, start, outcome, progress);
  scope.cursor.committed(record);
  scope.run = { ...scope.run, currentStepIndex: start.index + 1 };
  scope.emit({
    type: 'workflow.step.completed',
    data: { execution_id: scope.run.id, step_id: id, phase, status: outcome.status, result: outcome.result },
  });
}

async function interrupted(
  scope: RunScope,
  id: string,
  { start, durableStart, startedAt }: StartedStep,
  suspension: Suspension,
  attempts: number,
): Promise<never> {
  const { store } = scope.deps;
  const runId = scope.run.id;
  const phase = start.phase;
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
    const outcome: StepOutcome = { status: 'cancelled', result, error: result.error! };
    if (durableStart) await store.finishStep(runId, scope.control.lease, id, outcome);
    else await store.recordStep(runId, scope.control.lease, start, outcome, withMovedPhase(scope));
    scope.emit({
      type: 'workflow.step.completed',
      data: { execution_id: runId, step_id: id, phase, status: 'cancelled', result },
    });
  } else if (suspension.status === 'paused') {
    // Not finished: the step runs again on resume, and an agent step continues its journaled session. A function
    // step left no record to mark: it simply runs again.
    if (durableStart) await store.updateStep(runId, scope.control.lease, id, { status: 'pending', attempt: attempts });
    if (suspension.reason) await scope.comment(`Paused: ${suspension.reason}`, { stepId: id }).catch(() => undefined);
  }
  scope.suspension.suspend(suspension);
}
