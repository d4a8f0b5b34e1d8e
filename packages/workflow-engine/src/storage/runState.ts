/**
 * A run's state as plain data and the transitions on it. The memory store keeps these objects in a map, the file
 * store reads and writes them under a lock: both get the same semantics from this one module.
 */
import { randomUUID } from 'node:crypto';
import {
  InvalidTransitionError,
  JournalRecordNotFoundError,
  LeaseLostError,
  StepAlreadyFinalError,
} from '../errors.ts';
import type {
  JournalRecord,
  JournalRecordStart,
  JournalRecordUpdate,
  NewComment,
  NewRun,
  ReceivedEvent,
  RunComment,
  RunProgress,
  StepOutcome,
} from '../ports.ts';
import { TERMINAL_RUN_STATUSES } from '../types/status.ts';
import type { RunStatus } from '../types/status.ts';
import type { Lease, WorkflowRun } from '../types/workflow.ts';

export interface RunState {
  run: WorkflowRun;
  /** Every journal record, superseded ones included, in the order they were first written. */
  journal: JournalRecord[];
  comments: RunComment[];
}

export function newRunState(input: NewRun, now: Date): RunState {
  const state: RunState = {
    run: {
      id: input.id ?? randomUUID(),
      definitionId: input.definitionId,
      name: input.name,
      args: input.args,
      status: 'pending',
      currentPhase: null,
      currentStepIndex: 0,
      error: null,
      approvedGates: [],
      waitingGate: null,
      pauseRequested: null,
      cancelRequested: false,
      lease: null,
      epoch: 0,
      createdAt: now.toISOString(),
      startedAt: null,
      pausedAt: null,
      completedAt: null,
      cancelledAt: null,
      recoveredAt: null,
      recoveredAtStep: null,
      wakeAt: null,
      output: null,
    },
    journal: [],
    comments: [],
  };
  if (input.claim) claim(state, input.claim.owner, input.claim.ttlMs, now.getTime());
  return state;
}

export function isTerminal(status: RunStatus): boolean {
  return (TERMINAL_RUN_STATUSES as readonly RunStatus[]).includes(status);
}

function hasLiveLease(run: WorkflowRun, nowMs: number): boolean {
  return run.lease !== null && run.lease.expiresAt > nowMs;
}

/**
 * Pending runs, running runs whose worker died (its lease expired), and sleeping runs whose wake time has come are
 * there to be claimed.
 */
export function isRunnable(run: WorkflowRun, nowMs: number): boolean {
  if (hasLiveLease(run, nowMs)) return false;
  if (run.status === 'waiting') return run.wakeAt !== null && Date.parse(run.wakeAt) <= nowMs;
  return run.status === 'pending' || run.status === 'running';
}

export function claim(state: RunState, owner: string, ttlMs: number, nowMs: number): Lease | undefined {
  if (!isRunnable(state.run, nowMs)) return undefined;
  const lease = { owner, epoch: state.run.epoch + 1, expiresAt: nowMs + ttlMs };
  // A run claimed while `running` was left so by a process that stopped executing it: this claim recovers it.
  if (state.run.status === 'running') {
    state.run.recoveredAt = new Date(nowMs).toISOString();
    state.run.recoveredAtStep = state.run.currentStepIndex;
  }
  state.run.epoch = lease.epoch;
  // Running from its claim: the worker that took it executes it now, and a start needs no write of its own.
  setStatus(state.run, 'running', new Date(nowMs));
  state.run.lease = lease;
  return { ...lease };
}

/** Fencing: only the current holder, at the current epoch, may write. */
export function assertHolder(state: RunState, lease: Lease): void {
  const held = state.run.lease;
  if (!held || held.owner !== lease.owner || state.run.epoch !== lease.epoch) throw new LeaseLostError(state.run.id);
}

export function renew(state: RunState, lease: Lease, ttlMs: number, nowMs: number): Lease {
  assertHolder(state, lease);
  state.run.lease = { ...lease, expiresAt: nowMs + ttlMs };
  return { ...state.run.lease };
}

export function release(state: RunState, lease: Lease): void {
  const held = state.run.lease;
  if (held && held.owner === lease.owner && state.run.epoch === lease.epoch) state.run.lease = null;
}

export function applyProgress(state: RunState, lease: Lease, progress: RunProgress, now: Date): void {
  assertHolder(state, lease);
  const run = state.run;
  const { status, ...rest } = progress;
  Object.assign(run, rest);
  if (status && status !== run.status) setStatus(run, status, now);
}

function setStatus(run: WorkflowRun, status: RunStatus, now: Date): void {
  const at = now.toISOString();
  run.status = status;
  if (status === 'running') run.startedAt ??= at;
  if (status === 'paused') {
    run.pausedAt = at;
    run.pauseRequested = null;
  }
  if (status === 'completed' || status === 'failed') run.completedAt = at;
  if (status === 'cancelled') {
    run.cancelledAt = at;
    run.cancelRequested = false;
    run.pauseRequested = null;
  }
  if (status !== 'waiting') {
    run.waitingGate = null;
    run.wakeAt = null;
  }
  if (isTerminal(status) || status === 'paused' || status === 'waiting') run.lease = null;
}

export function activeJournal(state: RunState): JournalRecord[] {
  return state.journal.filter((r) => r.invalidatedAt === null).sort((a, b) => a.index - b.index);
}

function activeRecord(state: RunState, stepId: string): JournalRecord | undefined {
  return state.journal.find((r) => r.stepId === stepId && r.invalidatedAt === null);
}

function requireActiveRecord(state: RunState, stepId: string): JournalRecord {
  const record = activeRecord(state, stepId);
  if (!record) throw new JournalRecordNotFoundError(state.run.id, stepId);
  return record;
}

/**
 * The active record a step's start makes — running, or with `outcome` already final. `sessions` are the agent
 * session ids it holds: a restart keeps those of the record it replaces when it brings none.
 */
export function journalRecord(
  runId: string,
  start: JournalRecordStart,
  startedAt: string,
  sessions: Pick<JournalRecord, 'agentSessionId' | 'agentSessionRecordId'>,
  outcome?: StepOutcome,
): JournalRecord {
  const record: JournalRecord = {
    runId,
    stepId: start.stepId,
    index: start.index,
    name: start.name,
    phase: start.phase,
    type: start.type,
    status: 'running',
    attempt: start.attempt,
    input: start.input,
    result: null,
    error: null,
    ...sessions,
    startedAt,
    finishedAt: null,
    invalidatedAt: null,
  };
  if (outcome) finish(record, outcome);
  return record;
}

export function startStep(
  state: RunState,
  lease: Lease,
  start: JournalRecordStart,
  now: Date,
  progress?: RunProgress,
): JournalRecord {
  assertHolder(state, lease);
  const existing = activeRecord(state, start.stepId);
  if (existing?.status === 'completed' || existing?.status === 'skipped') {
    throw new StepAlreadyFinalError(state.run.id, start.stepId, existing.status);
  }
  const record = journalRecord(state.run.id, start, start.startedAt ?? now.toISOString(), {
    agentSessionId: start.agentSessionId ?? existing?.agentSessionId ?? null,
    agentSessionRecordId: start.agentSessionRecordId ?? existing?.agentSessionRecordId ?? null,
  });
  if (existing) Object.assign(existing, record);
  else state.journal.push(record);
  if (progress) applyProgress(state, lease, progress, now);
  return existing ?? record;
}

export function updateStep(state: RunState, lease: Lease, stepId: string, update: JournalRecordUpdate): JournalRecord {
  assertHolder(state, lease);
  const record = requireActiveRecord(state, stepId);
  Object.assign(record, update);
  return record;
}

export function finishStep(
  state: RunState,
  lease: Lease,
  stepId: string,
  outcome: StepOutcome,
  progress: RunProgress | undefined,
  now: Date,
): JournalRecord {
  assertHolder(state, lease);
  const record = requireActiveRecord(state, stepId);
  finish(record, outcome);
  if (progress) applyProgress(state, lease, progress, now);
  return record;
}

/** A step's start and finish as one transition: the record is made (or an unfinished one replaced) final. */
export function recordStep(
  state: RunState,
  lease: Lease,
  start: JournalRecordStart,
  outcome: StepOutcome,
  progress: RunProgress | undefined,
  now: Date,
): JournalRecord {
  const record = startStep(state, lease, start, now);
  finish(record, outcome);
  if (progress) applyProgress(state, lease, progress, now);
  return record;
}

function finish(record: JournalRecord, outcome: StepOutcome): void {
  record.status = outcome.status;
  record.result = outcome.result;
  record.error = outcome.error;
  record.attempt = outcome.result.attempts;
  record.finishedAt = outcome.result.finishedAt;
}

export function requestPause(state: RunState, mode: 'boundary' | 'now', nowMs: number): void {
  const run = state.run;
  if (run.status !== 'pending' && run.status !== 'running') {
    throw new InvalidTransitionError(run.id, 'pause', run.status);
  }
  if (hasLiveLease(run, nowMs)) run.pauseRequested = mode;
  else setStatus(run, 'paused', new Date(nowMs));
}

export function requestCancel(state: RunState, nowMs: number): void {
  const run = state.run;
  if (isTerminal(run.status)) throw new InvalidTransitionError(run.id, 'cancel', run.status);
  if (hasLiveLease(run, nowMs)) {
    run.cancelRequested = true;
    return;
  }
  setStatus(run, 'cancelled', new Date(nowMs));
  // A step left running by a dead worker will never finish now.
  for (const record of activeJournal(state)) {
    if (record.status === 'running' || record.status === 'pending') record.status = 'cancelled';
  }
}

export function resume(state: RunState): void {
  const run = state.run;
  if (run.status === 'running' && run.pauseRequested) {
    run.pauseRequested = null;
    return;
  }
  if (run.status !== 'paused' && run.status !== 'failed')
    throw new InvalidTransitionError(run.id, 'resume', run.status);
  run.status = 'pending';
  run.pauseRequested = null;
  run.error = null;
  run.completedAt = null;
}

/** A person answered the input step `stepId`: its record is completed with the answer, and the run may go on. */
export function answerInput(
  state: RunState,
  stepId: string,
  values: Record<string, unknown>,
  now: Date,
): JournalRecord {
  return completeWait(state, stepId, 'input', values, now);
}

/** An event came for the event step `stepId`: its record is completed with the event, and the run may go on. */
export function deliverEvent(state: RunState, stepId: string, event: ReceivedEvent, now: Date): JournalRecord {
  return completeWait(state, stepId, 'event', { ...event }, now);
}

function completeWait(
  state: RunState,
  stepId: string,
  type: 'input' | 'event',
  values: Record<string, unknown>,
  now: Date,
): JournalRecord {
  const run = state.run;
  const record = activeRecord(state, stepId);
  if (run.status !== 'waiting' || record?.type !== type || record.status !== 'running') {
    const action = type === 'input' ? `answer input step "${stepId}"` : `deliver an event to step "${stepId}"`;
    throw new InvalidTransitionError(run.id, action, describeWait(run, record));
  }
  const result = {
    status: 'completed' as const,
    data: values,
    attempts: record.attempt,
    startedAt: record.startedAt,
    finishedAt: now.toISOString(),
  };
  finish(record, { status: 'completed', result, error: null });
  run.status = 'pending';
  run.wakeAt = null;
  run.currentStepIndex = record.index + 1;
  return record;
}

function describeWait(run: WorkflowRun, record: JournalRecord | undefined): string {
  if (run.status !== 'waiting') return run.status;
  if (record?.type === 'input' || record?.type === 'event')
    return `waiting, and its ${record.type} step is ${record.status}`;
  return run.waitingGate ? `waiting at the gate of phase "${run.waitingGate}"` : 'waiting, but not for this input';
}

export function approveGate(state: RunState, phase: string): void {
  const run = state.run;
  if (run.status !== 'waiting' || run.waitingGate !== phase) {
    throw new InvalidTransitionError(run.id, `approve the gate of phase "${phase}"`, describeStatus(run));
  }
  run.approvedGates = [...new Set([...run.approvedGates, phase])];
  run.waitingGate = null;
  run.status = 'pending';
}

function describeStatus(run: WorkflowRun): string {
  return run.status === 'waiting' ? `waiting at the gate of phase "${run.waitingGate}"` : run.status;
}

export function invalidatePhases(state: RunState, phases: string[], now: Date): void {
  const run = state.run;
  if (hasLiveLease(run, now.getTime())) throw new InvalidTransitionError(run.id, 're-run', 'held by a running worker');
  const at = now.toISOString();
  for (const record of state.journal) {
    if (record.invalidatedAt === null && phases.includes(record.phase)) record.invalidatedAt = at;
  }
  run.approvedGates = run.approvedGates.filter((gate) => !phases.includes(gate));
  run.status = 'pending';
  run.currentPhase = phases[0] ?? run.currentPhase;
  run.currentStepIndex = activeJournal(state).length;
  run.error = null;
  run.output = null;
  run.waitingGate = null;
  run.pauseRequested = null;
  run.cancelRequested = false;
  run.completedAt = null;
  run.cancelledAt = null;
}

export function addComment(state: RunState, input: NewComment, now: Date): { comment: RunComment; created: boolean } {
  const existing = input.key !== null ? state.comments.find((c) => c.key === input.key) : undefined;
  if (existing) return { comment: existing, created: false };
  const comment: RunComment = { ...input, id: randomUUID(), stepRecordId: null, createdAt: now.toISOString() };
  state.comments.push(comment);
  return { comment, created: true };
}
