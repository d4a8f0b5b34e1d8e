/**
 * The journal's hot path on the database: a step's start, its finish, both at once (a function step), and the
 * small updates between — each one statement, so one round trip and one commit. The run store's other changes
 * lock the run, apply the state machine in `runState.ts` and write back; these apply the same rules in SQL:
 *
 * - fencing: the run row is locked only where it still names this lease's owner and epoch (`for update`
 *   re-checks that against the newest row version), so a worker that lost its lease writes nothing;
 * - a final record (completed, skipped) is never restarted or replaced;
 * - the run's progress moves in the same statement, and only when a journal record was written — which also keeps
 *   the rule `lockRun` relies on: every journal write writes the run row.
 *
 * When a statement writes nothing, a second read says why, with the state machine's own typed error. Each is a
 * prepared statement (`queryPrepared`): planning these statements cost PostgreSQL as much as running them.
 */
import { sql } from 'drizzle-orm';
import type { SQL } from 'drizzle-orm';
import {
  JournalRecordNotFoundError,
  LeaseLostError,
  RunNotFoundError,
  StepAlreadyFinalError,
} from '@switchyard/workflow-engine';
import type {
  JournalRecordStart,
  JournalRecordUpdate,
  Lease,
  RunProgress,
  StepOutcome,
  StepStatus,
} from '@switchyard/workflow-engine';
import { queryPrepared, queryRows } from './connection.ts';
import type { AppDatabase } from './connection.ts';
import type { StepRow } from './journalRows.ts';
import { agentSessions, workflowRuns, workflowRunSteps } from './schema.ts';

/** The progress these statements can move; any other change goes through the run store's general path. */
export function isStepProgress(progress: RunProgress | undefined): boolean {
  return !progress || Object.keys(progress).every((key) => key === 'currentStepIndex' || key === 'currentPhase');
}

const jsonb = (value: unknown): SQL =>
  value === null || value === undefined ? sql`null::jsonb` : sql`${JSON.stringify(value)}::jsonb`;

/** The run, locked, if this lease still holds it. */
const fenced = (runId: string, lease: Lease) =>
  sql`select id from ${workflowRuns}
      where id = ${runId}::uuid and lease_owner = ${lease.owner} and lease_epoch = ${lease.epoch}::int
      for update`;

/** `progress as (…)`: the run row moves with the step, and only when a journal record was written. */
function progressWrite(progress: RunProgress | undefined, now: string): SQL {
  const sets: SQL[] = [sql`updated_at = ${now}::timestamptz`];
  if (progress?.currentStepIndex !== undefined) sets.push(sql`current_step_index = ${progress.currentStepIndex}::int`);
  if (progress?.currentPhase !== undefined) sets.push(sql`current_phase = ${progress.currentPhase}::text`);
  return sql`progress as (update ${workflowRuns} set ${sql.join(sets, sql`, `)}
             where id in (select workflow_run_id from step) returning id)`;
}

interface Written {
  fenced: number;
  step: StepRow | null;
}

/** One statement: lock the run if this lease holds it, write the step (`step`), then the `after` writes. */
async function write(db: AppDatabase, runId: string, lease: Lease, step: SQL, after: SQL[]): Promise<Written> {
  const [row] = await queryPrepared<Written>(
    db,
    sql`with run as (${fenced(runId, lease)}), step as (${step}), ${sql.join(after, sql`, `)}
        select (select count(*) from run)::int as fenced, (select row_to_json(step.*) from step) as step`,
  );
  return row!;
}

/** Why a fenced write wrote nothing: the run is gone, or another worker holds it now. */
async function fenceFailure(db: AppDatabase, runId: string): Promise<Error> {
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
  ): Promise<StepRow>;
  finish(runId: string, lease: Lease, stepId: string, outcome: StepOutcome, progress?: RunProgress): Promise<StepRow>;
  update(runId: string, lease: Lease, stepId: string, update: JournalRecordUpdate): Promise<StepRow>;
}

export function journalWrites(
  db: AppDatabase,
  options: { logDirectory(runId: string, stepId: string): string | null; now(): Date },
): JournalWrites {
  return {
    async upsert(runId, lease, start, outcome, progress) {
      const now = options.now().toISOString();
      const status: StepStatus = outcome?.status ?? 'running';
      const step = sql`
        insert into ${workflowRunSteps} (workflow_run_id, step_id, step_index, name, phase, type, status, attempt,
          input, output, error, cli_session_id, agent_session_id, log_directory_path, started_at, finished_at)
        select run.id, ${start.stepId}::text, ${start.index}::int, ${start.name}::text, ${start.phase}::text,
          ${start.type}::text, ${status}::text, ${outcome?.result.attempts ?? start.attempt}::int, ${jsonb(start.input)},
          ${jsonb(outcome?.result ?? null)}, ${jsonb(outcome?.error ?? null)}, ${start.agentSessionId ?? null}::text,
          ${start.agentSessionRecordId ?? null}::uuid, ${options.logDirectory(runId, start.stepId)}::text,
          ${start.startedAt ?? now}::timestamptz, ${outcome?.result.finishedAt ?? null}::timestamptz
        from run
        on conflict (workflow_run_id, step_id) where invalidated_at is null do update set
          step_index = excluded.step_index, name = excluded.name, phase = excluded.phase, type = excluded.type,
          status = excluded.status, attempt = excluded.attempt, input = excluded.input, output = excluded.output,
          error = excluded.error, log_directory_path = excluded.log_directory_path,
          cli_session_id = coalesce(excluded.cli_session_id, ${workflowRunSteps}.cli_session_id),
          agent_session_id = coalesce(excluded.agent_session_id, ${workflowRunSteps}.agent_session_id),
          started_at = excluded.started_at, finished_at = excluded.finished_at, updated_at = ${now}::timestamptz
        where ${workflowRunSteps}.status not in ('completed', 'skipped')
        returning *`;
      const written = await write(db, runId, lease, step, [progressWrite(progress, now)]);
      if (written.step) return written.step;
      if (written.fenced === 0) throw await fenceFailure(db, runId);
      const [final] = await queryRows<{ status: StepStatus }>(
        db,
        sql`select status from ${workflowRunSteps}
            where workflow_run_id = ${runId}::uuid and step_id = ${start.stepId} and invalidated_at is null`,
      );
      throw new StepAlreadyFinalError(runId, start.stepId, final?.status ?? 'completed');
    },

    async finish(runId, lease, stepId, outcome, progress) {
      const now = options.now().toISOString();
      const step = sql`
        update ${workflowRunSteps} s set status = ${outcome.status}::text, output = ${jsonb(outcome.result)},
          error = ${jsonb(outcome.error)}, attempt = ${outcome.result.attempts}::int,
          finished_at = ${outcome.result.finishedAt}::timestamptz, updated_at = ${now}::timestamptz
        from run where s.workflow_run_id = run.id and s.step_id = ${stepId} and s.invalidated_at is null
        returning s.*`;
      const written = await write(db, runId, lease, step, [progressWrite(progress, now)]);
      if (written.step) return written.step;
      throw written.fenced === 0 ? await fenceFailure(db, runId) : new JournalRecordNotFoundError(runId, stepId);
    },

    async update(runId, lease, stepId, update) {
      const now = options.now().toISOString();
      const step = sql`
        update ${workflowRunSteps} s set attempt = coalesce(${update.attempt ?? null}::int, s.attempt),
          status = coalesce(${update.status ?? null}::text, s.status),
          cli_session_id = coalesce(${update.agentSessionId ?? null}::text, s.cli_session_id),
          agent_session_id = coalesce(${update.agentSessionRecordId ?? null}::uuid, s.agent_session_id),
          updated_at = ${now}::timestamptz
        from run where s.workflow_run_id = run.id and s.step_id = ${stepId} and s.invalidated_at is null
        returning s.*`;
      // The agent's own session id is kept on its agent_sessions record too, in the same statement.
      const session = sql`session as (
        update ${agentSessions} set cli_session_id = ${update.agentSessionId ?? null}::text, updated_at = ${now}::timestamptz
        where ${update.agentSessionId ?? null}::text is not null and id = (select agent_session_id from step)
        returning id)`;
      const written = await write(db, runId, lease, step, [progressWrite(undefined, now), session]);
      if (written.step) return written.step;
      throw written.fenced === 0 ? await fenceFailure(db, runId) : new JournalRecordNotFoundError(runId, stepId);
    },
  };
}
