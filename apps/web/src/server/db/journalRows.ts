/**
 * The database's rows as the engine's types, and back: a run row ↔ {@link WorkflowRun}, a step row →
 * {@link JournalRecord}. The run store and its single-statement writes share these.
 */
import { sql } from 'drizzle-orm';
import type { JournalRecord, WorkflowRun } from '@switchyard/workflow-engine';
import type { workflowRunSteps } from './schema.ts';
import { workflowDefinitions, workflowRuns } from './schema.ts';

export type RunRow = typeof workflowRuns.$inferSelect;
export type StepRow = typeof workflowRunSteps.$inferSelect;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Run ids are uuids here; anything else names no run (and must not reach PostgreSQL's uuid parser). */
export const isRunId = (value: string) => UUID.test(value);

export function iso(value: string): string;
export function iso(value: string | null): string | null;
export function iso(value: string | null): string | null {
  return value === null ? null : new Date(value).toISOString();
}

export const definitionIdentifier = sql<string>`(select ${workflowDefinitions.identifier} from ${workflowDefinitions} where ${workflowDefinitions.id} = ${workflowRuns.workflow_definition_id})`;

export const runColumns = { row: workflowRuns, identifier: definitionIdentifier };

export function toRun(row: RunRow, identifier: string): WorkflowRun {
  return {
    id: row.id,
    definitionId: identifier,
    name: row.name,
    args: row.args,
    status: row.status,
    currentPhase: row.current_phase,
    currentStepIndex: row.current_step_index,
    error: row.error,
    approvedGates: row.approved_gates,
    waitingGate: row.waiting_gate,
    pauseRequested: row.pause_requested ?? null,
    cancelRequested: row.cancel_requested,
    lease:
      row.lease_owner && row.lease_expires_at
        ? { owner: row.lease_owner, epoch: row.lease_epoch, expiresAt: Date.parse(iso(row.lease_expires_at)) }
        : null,
    epoch: row.lease_epoch,
    createdAt: iso(row.created_at),
    startedAt: iso(row.started_at),
    pausedAt: iso(row.paused_at),
    completedAt: iso(row.completed_at),
    cancelledAt: iso(row.cancelled_at),
    recoveredAt: iso(row.recovered_at),
    recoveredAtStep: row.recovered_at_step,
    wakeAt: iso(row.wake_at),
    output: row.output ?? null,
  };
}

/** The columns a transition may change. */
export function runChanges(run: WorkflowRun) {
  return {
    name: run.name,
    status: run.status,
    current_phase: run.currentPhase,
    current_step_index: run.currentStepIndex,
    error: run.error,
    output: run.output ?? null,
    approved_gates: run.approvedGates,
    waiting_gate: run.waitingGate,
    pause_requested: run.pauseRequested,
    cancel_requested: run.cancelRequested,
    lease_owner: run.lease?.owner ?? null,
    lease_expires_at: run.lease ? new Date(run.lease.expiresAt).toISOString() : null,
    lease_epoch: run.epoch,
    started_at: run.startedAt,
    paused_at: run.pausedAt,
    completed_at: run.completedAt,
    cancelled_at: run.cancelledAt,
    recovered_at: run.recoveredAt,
    recovered_at_step: run.recoveredAtStep,
    wake_at: run.wakeAt,
    updated_at: new Date().toISOString(),
  };
}

export function toRecord(row: StepRow): JournalRecord {
  return {
    runId: row.workflow_run_id,
    stepId: row.step_id,
    index: row.step_index,
    name: row.name,
    phase: row.phase,
    type: row.type,
    status: row.status,
    attempt: row.attempt,
    input: row.input ?? null,
    result: (row.output ?? null) as JournalRecord['result'],
    error: (row.error ?? null) as JournalRecord['error'],
    agentSessionId: row.cli_session_id,
    agentSessionRecordId: row.agent_session_id,
    startedAt: iso(row.started_at) ?? iso(row.created_at),
    finishedAt: iso(row.finished_at),
    invalidatedAt: iso(row.invalidated_at),
  };
}
