/**
 * Context calls journaled as steps of their own (`ctx.artifact`, `ctx.sleep`, `ctx.waitForInput`,
 * `ctx.waitForEvent`): the call is held against the journal like any
 * step (replay.ts), and one that must really run has its start journaled, does its work once, and commits its
 * outcome as a step's commit does (stepLifecycle.ts).
 */
import { StepFailedError } from '../errors.ts';
import type { JournalRecordStart } from '../ports.ts';
import type { StepError, StepResult, StepType } from '../types/step.ts';
import { moveToPhase, setStatus } from './phases.ts';
import type { JournalSlot } from './replay.ts';
import { saveCheckpoint, withMovedPhase } from './runScope.ts';
import type { RunScope } from './runScope.ts';
import { commit } from './stepLifecycle.ts';

/** What a context call journals, and the work it does once. */
export interface ContextStep {
  phase: string;
  name: string;
  type: StepType;
  input: unknown;
  run(): Promise<{ ok: true; data: unknown } | { ok: false; error: StepError }>;
}

/**
 * Runs a context call that has no final record. Its start is journaled before its work, since what it does may
 * belong to its record (an artifact row does); a failure fails the run, as a failed step does.
 */
export async function runContextStep(
  scope: RunScope,
  id: string,
  call: ContextStep,
  { position, recorded }: JournalSlot,
): Promise<StepResult> {
  const { control, suspension } = scope;
  await suspension.guard(() => control.atBoundary());
  await suspension.guard(() => moveToPhase(scope, call.phase, { gate: true }));
  const startedAt = new Date().toISOString();
  const attempt = (recorded?.attempt ?? 0) + 1;
  const start: JournalRecordStart = {
    stepId: id,
    index: position,
    name: call.name,
    phase: call.phase,
    type: call.type,
    input: call.input,
    attempt,
    startedAt,
  };
  await journalStart(scope, start);
  const outcome = await call.run().catch((error: unknown) => ({
    ok: false as const,
    error: { message: error instanceof Error ? error.message : String(error) },
  }));
  const result: StepResult = {
    status: outcome.ok ? 'completed' : 'failed',
    data: outcome.ok ? outcome.data : null,
    attempts: attempt,
    startedAt,
    finishedAt: new Date().toISOString(),
  };
  if (!outcome.ok) result.error = outcome.error;
  return finish(scope, start, result);
}

/**
 * `ctx.sleep`: a durable timer. Its start journals the wake time; the run then waits (status `waiting`, its wake
 * time on the run) holding no lease, no worker slot and no memory, until a worker claims it at that time and
 * `execute` replays to here again, when the sleep is committed as completed. A run claimed early (a restart) finds
 * the same wake time in the journal and waits again.
 */
export async function runSleep(
  scope: RunScope,
  id: string,
  { phase, name, durationMs }: { phase: string; name: string; durationMs: number },
  { position, recorded }: JournalSlot,
): Promise<StepResult> {
  const { control, suspension } = scope;
  await suspension.guard(() => control.atBoundary());
  await suspension.guard(() => moveToPhase(scope, phase, { gate: true }));
  const journaled = recorded?.status === 'running' ? (recorded.input as { wakeAt?: unknown }).wakeAt : undefined;
  const startedAt = recorded?.status === 'running' ? recorded.startedAt : new Date().toISOString();
  const wakeAt = typeof journaled === 'string' ? journaled : new Date(Date.now() + durationMs).toISOString();
  const start: JournalRecordStart = {
    stepId: id,
    index: position,
    name,
    phase,
    type: 'sleep',
    input: { durationMs, wakeAt },
    attempt: 1,
    startedAt,
  };
  if (journaled === undefined) await journalStart(scope, start);
  if (Date.now() < Date.parse(wakeAt)) {
    await setStatus(scope, 'waiting', { wakeAt });
    suspension.suspend({ status: 'waiting', wakeAt });
  }
  const result: StepResult = {
    status: 'completed',
    data: { wakeAt },
    attempts: 1,
    startedAt,
    finishedAt: new Date().toISOString(),
  };
  await commit(scope, id, { start, durableStart: true }, { status: 'completed', result, error: null });
  saveCheckpoint(scope, id);
  return result;
}

/** What `ctx.waitForInput` journals: the question, the form's JSON schema, and what a timeout answers. */
export interface InputRequest {
  prompt: string;
  /** An object schema: `properties` of type string, number, integer, boolean, array or object; `required`. */
  schema: Record<string, unknown>;
  timeoutMs?: number;
  /** The answer when the timeout passes; without it, a timeout fails the step. */
  default?: Record<string, unknown>;
}

/**
 * `ctx.waitForInput`: its start journals the question and its form; the run then waits (status `waiting`, with the
 * timeout as its wake time when there is one) holding nothing, until a person's answer is journaled as the step's
 * result (`RunStore.answerInput`) and the run replays past it. Taken up at its timeout, it completes with the
 * default answer, or fails without one.
 */
export async function runInput(
  scope: RunScope,
  id: string,
  { phase, name, request }: { phase: string; name: string; request: InputRequest },
  { position, recorded }: JournalSlot,
): Promise<StepResult> {
  const { suspension } = scope;
  const { resumed, startedAt, timeoutAt } = await openTimedWait(scope, 'input', phase, recorded, request.timeoutMs);
  const start: JournalRecordStart = {
    stepId: id,
    index: position,
    name,
    phase,
    type: 'input',
    input: {
      prompt: request.prompt,
      schema: request.schema,
      // The fields in their declared order: a database's jsonb keeps an object's keys in an order of its own.
      fields: Object.keys((request.schema.properties ?? {}) as object),
      ...(timeoutAt ? { timeoutAt } : {}),
      ...(request.default ? { default: request.default } : {}),
    },
    attempt: 1,
    startedAt,
  };
  if (!resumed) await journalStart(scope, start);
  if (!timeoutAt || Date.now() < Date.parse(timeoutAt)) {
    await setStatus(scope, 'waiting', { wakeAt: timeoutAt ?? null });
    suspension.suspend({ status: 'waiting', input: id });
  }
  const result = unanswered(startedAt, request.default, {
    code: 'input_timeout',
    message: `no answer came before ${timeoutAt}, and the step has no default`,
  });
  return finish(scope, start, result);
}

/** What `ctx.waitForEvent` journals: the event's name, the fields its data must match, and what a timeout answers. */
export interface EventRequest {
  event: string;
  match: Record<string, unknown>;
  timeoutMs?: number;
  default?: Record<string, unknown>;
}

/**
 * `ctx.waitForEvent`: its start journals what it waits for. An event kept in the inbox — sent before the run got
 * here — is taken at once; otherwise the run waits (status `waiting`, the timeout as its wake time) holding nothing,
 * until the server delivers a matching event (`RunStore.deliverEvent`). The inbox is read once more after the run
 * is waiting: an event that came in between is delivered then, not lost. The step's result is the event.
 */
export async function runEvent(
  scope: RunScope,
  id: string,
  { phase, name, request }: { phase: string; name: string; request: EventRequest },
  { position, recorded }: JournalSlot,
): Promise<StepResult> {
  const { deps, suspension } = scope;
  const { resumed, startedAt, timeoutAt } = await openTimedWait(scope, 'event', phase, recorded, request.timeoutMs);
  const start: JournalRecordStart = {
    stepId: id,
    index: position,
    name,
    phase,
    type: 'event',
    input: {
      event: request.event,
      match: request.match,
      ...(timeoutAt ? { timeoutAt } : {}),
      ...(request.default ? { default: request.default } : {}),
    },
    attempt: 1,
    startedAt,
  };
  if (!resumed) await journalStart(scope, start);
  const query = {
    runId: scope.run.id,
    name: request.event,
    match: request.match,
    since: scope.run.createdAt,
    // Events the run's earlier waits took are theirs: each wait takes an event of its own.
    exclude: scope.cursor
      .records()
      .filter((r) => r.type === 'event' && r.stepId !== id && r.result)
      .map((r) => (r.result!.data as { id?: string } | null)?.id)
      .filter((eventId): eventId is string => typeof eventId === 'string'),
  };
  const kept = await deps.inbox?.findEvent(query);
  const timedOut = !kept && timeoutAt !== undefined && Date.now() >= Date.parse(timeoutAt);
  if (!kept && !timedOut) {
    await setStatus(scope, 'waiting', { wakeAt: timeoutAt ?? null });
    const late = await deps.inbox?.findEvent(query).catch(() => undefined);
    // Another delivery may have come first; either way the run is runnable again and replays to its event.
    if (late) await deps.store.deliverEvent(scope.run.id, id, late).catch(() => undefined);
    suspension.suspend({ status: 'waiting', event: id });
  }
  const result = unanswered(startedAt, kept ?? request.default, {
    code: 'event_timeout',
    message: `no "${request.event}" event came before ${timeoutAt}`,
  });
  return finish(scope, start, result);
}

/** A context step's start, journaled (a wait's only once: a replay finds it running) and announced. */
async function journalStart(scope: RunScope, start: JournalRecordStart): Promise<void> {
  const { stepId, index, phase, name, type, attempt } = start;
  await scope.deps.store.startStep(
    scope.run.id,
    scope.control.lease,
    start,
    withMovedPhase(scope, { currentStepIndex: index }),
  );
  scope.run = { ...scope.run, currentStepIndex: index };
  scope.emit({
    type: 'workflow.step.started',
    data: { execution_id: scope.run.id, step_id: stepId, phase, name, step_type: type, attempt },
  });
}

/**
 * A wait with a timeout, at its boundary and in its phase: resumed — its start journaled, with the time it began and
 * its timeout — or starting now, its timeout counted from now.
 */
async function openTimedWait(
  scope: RunScope,
  type: 'input' | 'event',
  phase: string,
  recorded: JournalSlot['recorded'],
  timeoutMs: number | undefined,
): Promise<{ resumed: boolean; startedAt: string; timeoutAt: string | undefined }> {
  const { control, suspension } = scope;
  await suspension.guard(() => control.atBoundary());
  await suspension.guard(() => moveToPhase(scope, phase, { gate: true }));
  if (recorded?.status === 'running' && recorded.type === type) {
    const { timeoutAt } = recorded.input as { timeoutAt?: string };
    return { resumed: true, startedAt: recorded.startedAt, timeoutAt };
  }
  const timeoutAt = timeoutMs === undefined ? undefined : new Date(Date.now() + timeoutMs).toISOString();
  return { resumed: false, startedAt: new Date().toISOString(), timeoutAt };
}

/** A wait taken up without its answer: completed with `fallback` when there is one, else failed with `error`. */
function unanswered(startedAt: string, fallback: unknown, error: { code: string; message: string }): StepResult {
  const finishedAt = new Date().toISOString();
  return fallback
    ? { status: 'completed', data: fallback, attempts: 1, startedAt, finishedAt }
    : { status: 'failed', data: null, attempts: 1, startedAt, finishedAt, error };
}

/** The outcome committed as the step's, with a checkpoint; a failed one fails the run, as a failed step does. */
async function finish(scope: RunScope, start: JournalRecordStart, result: StepResult): Promise<StepResult> {
  await commit(
    scope,
    start.stepId,
    { start, durableStart: true },
    { status: result.status, result, error: result.error ?? null },
  );
  saveCheckpoint(scope, start.stepId);
  if (result.error) throw new StepFailedError(start.stepId, result.error.message);
  return result;
}
