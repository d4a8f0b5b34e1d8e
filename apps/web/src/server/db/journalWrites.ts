/**
 * The journal's hot path on the database: a step's start, its finish, both at once (a function step), and the
 * small updates between — each one statement, so one round trip and one commit. The run store's other changes
 * lock the run, apply the state machine in `runState.ts` and write back; these apply the same rules in SQL:
 *
 * - fencing: the run's progress is written first, and only where the row still names this lease's owner and
 *   epoch (an update re-checks that against the newest row version), so a worker that lost its lease writes
 *   nothing; that update also locks the run for the journal write after it;
 * - a final record (completed, skipped) is never restarted or replaced;
 * - every journal write writes the run row, the rule `lockRun` relies on. A write refused (a final record, a
 *   missing one: typed errors, never a normal step) has still moved the progress. Locking the row with `for update`
 *   and updating it after the record was written wrote the row twice: 10 % of the statement.
 *
 * When a statement writes nothing, a second read says why, with the state machine's own typed error. Each text is
 * built once (`statements.ts`).
 */
import { sql } from 'drizzle-orm';
import type { SQL } from 'drizzle-orm';
import {
  JournalRecordNotFoundError,
  LeaseLostError,
  RunNotFoundError,
  runTransitions,
  StepAlreadyFinalError,
} from '@switchyard/workflow-engine';
import type {
  JournalRecord,
  JournalRecordStart,
  Lease,
  RunProgress,
  RunStore,
  StepOutcome,
  StepStatus,
} from '@switchyard/workflow-engine';
import { queryRows } from './connection.ts';
import type { AppDatabase } from './connection.ts';
import { iso, toRecord } from './journalRows.ts';
import type { StepRow } from './journalRows.ts';
import { agentSessions, workflowRuns, workflowRunSteps } from './schema.ts';
import { execute, statement } from './statements.ts';
import type { Slots } from './statements.ts';

/** The progress these statements can move; any other change goes through the run store's general path. */
export function isStepProgress(progress: RunProgress | undefined): boolean {
  return !progress || Object.keys(progress).every((key) => key === 'currentStepIndex' || key === 'currentPhase');
}

/** What every statement here takes: the run, the lease that must still hold it, and the time of the write. */
interface Fenced {
  runId: string;
  owner: string;
  epoch: number;
  now: string;
  /** The run's progress; `setPhase` false leaves its phase alone (a phase may be set to null). */
  stepIndex: number | null;
  setPhase: boolean;
  phase: string | null;
}

interface StepWrite extends Fenced {
  stepId: string;
}

interface Upsert extends StepWrite {
  index: number;
  name: string;
  stepPhase: string;
  type: string;
  status: StepStatus;
  attempt: number;
  input: string | null;
  output: string | null;
  error: string | null;
  sessionId: string | null;
  sessionRecordId: string | null;
  logDirectory: string | null;
  startedAt: string;
  finishedAt: string | null;
}

interface Finish extends StepWrite {
  status: StepStatus;
  output: string | null;
  error: string | null;
  attempt: number;
  finishedAt: string;
}

interface Update extends StepWrite {
  attempt: number | null;
  status: StepStatus | null;
  sessionId: string | null;
  sessionRecordId: string | null;
}

const json = (value: unknown): string | null => (value === null || value === undefined ? null : JSON.stringify(value));

/**
 * One statement: move the run's progress if this lease holds it, which locks the row (`run`); write the step
 * (`step`); then the `after` writes.
 */
function fencedWrite(slot: Slots<Fenced>, step: SQL, after: SQL[] = []): SQL {
  const run = sql`update ${workflowRuns} set updated_at = ${slot.now}::timestamptz,
        current_step_index = coalesce(${slot.stepIndex}::int, current_step_index),
        current_phase = case when ${slot.setPhase}::boolean then ${slot.phase}::text else current_phase end
      where id = ${slot.runId}::uuid and lease_owner = ${slot.owner}::text and lease_epoch = ${slot.epoch}::int
      returning id`;
  return sql`with run as (${run}), step as (${step}) ${sql.join(after.map((write) => sql`, ${write}`))}
      select (select count(*) from run)::int as fenced, (select row_to_json(step.*) from step) as step`;
}

const UPSERT = statement<Upsert>((slot) =>
  fencedWrite(
    slot,
    sql`insert into ${workflowRunSteps} (workflow_run_id, step_id, step_index, name, phase, type, status, attempt,
          input, output, error, cli_session_id, agent_session_id, log_directory_path, started_at, finished_at)
        select run.id, ${slot.stepId}::text, ${slot.index}::int, ${slot.name}::text, ${slot.stepPhase}::text,
          ${slot.type}::text, ${slot.status}::text, ${slot.attempt}::int, ${slot.input}::jsonb, ${slot.output}::jsonb,
          ${slot.error}::jsonb, ${slot.sessionId}::text, ${slot.sessionRecordId}::uuid, ${slot.logDirectory}::text,
          ${slot.startedAt}::timestamptz, ${slot.finishedAt}::timestamptz
        from run
        on conflict (workflow_run_id, step_id) where invalidated_at is null do update set
          step_index = excluded.step_index, name = excluded.name, phase = excluded.phase, type = excluded.type,
          status = excluded.status, attempt = excluded.attempt, input = excluded.input, output = excluded.output,
          error = excluded.error, log_directory_path = excluded.log_directory_path,
          cli_session_id = coalesce(excluded.cli_session_id, ${workflowRunSteps}.cli_session_id),
          agent_session_id = coalesce(excluded.agent_session_id, ${workflowRunSteps}.agent_session_id),
          started_at = excluded.started_at, finished_at = excluded.finished_at, updated_at = ${slot.now}::timestamptz
        where ${workflowRunSteps}.status not in ('completed', 'skipped')
        returning cli_session_id, agent_session_id`,
  ),
);

const FINISH = statement<Finish>((slot) =>
  fencedWrite(
    slot,
    sql`update ${workflowRunSteps} s set status = ${slot.status}::text, output = ${slot.output}::jsonb,
          error = ${slot.error}::jsonb, attempt = ${slot.attempt}::int,
          finished_at = ${slot.finishedAt}::timestamptz, updated_at = ${slot.now}::timestamptz
        from run where s.workflow_run_id = run.id and s.step_id = ${slot.stepId}::text and s.invalidated_at is null
        returning s.*`,
  ),
);

const UPDATE = statement<Update>((slot) =>
  fencedWrite(
    slot,
    sql`update ${workflowRunSteps} s set attempt = coalesce(${slot.attempt}::int, s.attempt),
          status = coalesce(${slot.status}::text, s.status),
          cli_session_id = coalesce(${slot.sessionId}::text, s.cli_session_id),
          agent_session_id = coalesce(${slot.sessionRecordId}::uuid, s.agent_session_id),
          updated_at = ${slot.now}::timestamptz
        from run where s.workflow_run_id = run.id and s.step_id = ${slot.stepId}::text and s.invalidated_at is null
        returning s.*`,
    // The agent's own session id is kept on its agent_sessions record too, in the same statement.
    [
      sql`session as (
        update ${agentSessions} set cli_session_id = ${slot.sessionId}::text, updated_at = ${slot.now}::timestamptz
        where ${slot.sessionId}::text is not null and id = (select agent_session_id from step)
        returning id)`,
    ],
  ),
);

interface Written<Step = StepRow> {
  fenced: number;
  step: Step | null;
}

/** What an upsert reads back: all else in its record is what it wrote. */
type UpsertedStep = Pick<StepRow, 'cli_session_id' | 'agent_session_id'>;

/** Why a fenced write wrote nothing: the run is gone, or another worker holds it now. */
export async function fenceFailure(db: AppDatabase, runId: string): Promise<Error> {
  const [run] = await queryRows<{ id: string }>(db, sql`select id from ${workflowRuns} where id = ${runId}::uuid`);
  return run ? new LeaseLostError(runId) : new RunNotFoundError(runId);
}

export interface JournalWrites {
  /** Creates or restarts the step's active record as running (or, with `outcome`, as final) with the run's progress. */
  upsert(
    runId: string,
    lease: Lease,
    start: JournalRecordStart,
    outcome: StepOutcome | undefined,
    progress: RunProgress | undefined,
  ): Promise<JournalRecord>;
  finish: RunStore['finishStep'];
  update: RunStore['updateStep'];
}

export function journalWrites(
  db: AppDatabase,
  options: { logDirectory(runId: string, stepId: string): string | null; now(): Date },
): JournalWrites {
  const fenced = (runId: string, lease: Lease, stepId: string, progress: RunProgress | undefined) => ({
    runId,
    owner: lease.owner,
    epoch: lease.epoch,
    now: options.now().toISOString(),
    stepId,
    stepIndex: progress?.currentStepIndex ?? null,
    setPhase: progress?.currentPhase !== undefined,
    phase: progress?.currentPhase ?? null,
  });

  return {
    async upsert(runId, lease, start, outcome, progress) {
      const common = fenced(runId, lease, start.stepId, progress);
      const startedAt = start.startedAt ?? common.now;
      const [written] = await execute<Written<UpsertedStep>, Upsert>(db, UPSERT, {
        ...common,
        index: start.index,
        name: start.name,
        stepPhase: start.phase,
        type: start.type,
        status: outcome?.status ?? 'running',
        attempt: outcome?.result.attempts ?? start.attempt,
        input: json(start.input),
        output: json(outcome?.result),
        error: json(outcome?.error),
        sessionId: start.agentSessionId ?? null,
        sessionRecordId: start.agentSessionRecordId ?? null,
        logDirectory: options.logDirectory(runId, start.stepId),
        startedAt,
        finishedAt: outcome?.result.finishedAt ?? null,
      });
      const step = written!.step;
      // The record is built from what was written rather than read back whole: the row as JSON cost 8 % of the
      // statement. Only the session ids, which a restart keeps when it brings none, come from the row.
      if (step) {
        return runTransitions.journalRecord(
          runId,
          { ...start, input: start.input ?? null },
          iso(startedAt),
          { agentSessionId: step.cli_session_id, agentSessionRecordId: step.agent_session_id },
          outcome,
        );
      }
      if (written!.fenced === 0) throw await fenceFailure(db, runId);
      const [final] = await queryRows<{ status: StepStatus }>(
        db,
        sql`select status from ${workflowRunSteps}
            where workflow_run_id = ${runId}::uuid and step_id = ${start.stepId} and invalidated_at is null`,
      );
      throw new StepAlreadyFinalError(runId, start.stepId, final?.status ?? 'completed');
    },

    async finish(runId, lease, stepId, outcome, progress) {
      const [written] = await execute<Written, Finish>(db, FINISH, {
        ...fenced(runId, lease, stepId, progress),
        status: outcome.status,
        output: json(outcome.result),
        error: json(outcome.error),
        attempt: outcome.result.attempts,
        finishedAt: outcome.result.finishedAt,
      });
      if (written!.step) return toRecord(written!.step);
      throw written!.fenced === 0 ? await fenceFailure(db, runId) : new JournalRecordNotFoundError(runId, stepId);
    },

    async update(runId, lease, stepId, update) {
      const [written] = await execute<Written, Update>(db, UPDATE, {
        ...fenced(runId, lease, stepId, undefined),
        attempt: update.attempt ?? null,
        status: update.status ?? null,
        sessionId: update.agentSessionId ?? null,
        sessionRecordId: update.agentSessionRecordId ?? null,
      });
      if (written!.step) return toRecord(written!.step);
      throw written!.fenced === 0 ? await fenceFailure(db, runId) : new JournalRecordNotFoundError(runId, stepId);
    },
  };
}
