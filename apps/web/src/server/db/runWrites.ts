/**
 * A run's own writes on its hot path — claiming it, moving its progress and status, letting it go — each one
 * statement, with the state machine's rules (`runState.ts`) written in SQL:
 *
 * - a claim takes a run that is pending, running under an expired lease, or sleeping past its wake time, bumps its
 *   epoch, sets the lease and makes it running (answering the status it had); two claimers of one run race on its
 *   row lock, and the second sees the first's lease when its `where` is checked again, so exactly one wins;
 * - progress is written only by the lease's holder (owner and epoch), and a status change brings its side effects
 *   (`setStatus` in `runState.ts`): timestamps, cleared requests, the gate, and the lease dropped when the run
 *   stops holding a worker (finished, paused, waiting).
 *
 * In PostgreSQL an `update`'s expressions all see the row as it was, so `status is distinct from $new` below is
 * the state machine's "the status changes".
 */
import { sql } from 'drizzle-orm';
import type { SQL } from 'drizzle-orm';
import { LeaseLostError, RunNotFoundError } from '@switchyard/workflow-engine';
import type { ClaimedRun, Lease, RunProgress, RunStatus, WorkflowRun } from '@switchyard/workflow-engine';
import { queryPrepared, queryRows } from './connection.ts';
import type { AppDatabase } from './connection.ts';
import { definitionIdentifier, toRun } from './journalRows.ts';
import type { RunRow } from './journalRows.ts';
import { workflowRuns } from './schema.ts';

/** Pending, running (a dead worker's run, once its lease expired), or sleeping and due. */
const runnable = (now: Date) =>
  sql`(status in ('pending', 'running') or (status = 'waiting' and wake_at <= ${now.toISOString()}::timestamptz))`;
const STOPS_HOLDING = new Set<RunStatus>(['completed', 'failed', 'cancelled', 'paused', 'waiting']);

const returningRun = sql`returning ${workflowRuns}.*, ${definitionIdentifier} as identifier`;

type ClaimedRow = RunRow & { identifier: string; previous_status: RunStatus };

function claimed(row: ClaimedRow | undefined): ClaimedRun | undefined {
  if (!row) return undefined;
  const run = toRun(row, row.identifier);
  return { run, lease: run.lease!, previousStatus: row.previous_status };
}

export interface RunWrites {
  claim(runId: string, owner: string, ttlMs: number): Promise<ClaimedRun | undefined>;
  /** The oldest runnable run of the project (of every project without one), skipping runs others are claiming. */
  claimNext(owner: string, ttlMs: number): Promise<ClaimedRun | undefined>;
  update(runId: string, lease: Lease, progress: RunProgress): Promise<WorkflowRun>;
  release(runId: string, lease: Lease): Promise<void>;
}

/**
 * Writes a crash of PostgreSQL itself may lose without harm go through `relaxed` (commits that do not wait for the
 * disk): a claim (the run is claimed again; the lost epoch fences the old holder out), a run starting or moving on
 * (its next step's commit is durable and carries everything before it), a lease let go. A status a person acts on
 * — paused, waiting, finished — and every step's result wait for the disk.
 */
export function runWrites(
  db: AppDatabase,
  options: { projectId?: string; now(): Date; relaxed?: AppDatabase },
): RunWrites {
  const relaxed = options.relaxed ?? db;
  // A run claimed while `running` was left so by a process that stopped executing it: the claim recovers it. The
  // claim makes it running (`setStatus` in runState.ts), so that starting it needs no write of its own.
  const claimSet = (owner: string, ttlMs: number, now: Date) => {
    const at = sql`${now.toISOString()}::timestamptz`;
    const was = (column: string) => sql`${workflowRuns}.${sql.identifier(column)}`;
    return sql`lease_owner = ${owner}, lease_epoch = ${was('lease_epoch')} + 1,
        lease_expires_at = ${new Date(now.getTime() + ttlMs).toISOString()}::timestamptz,
        recovered_at = case when before.status = 'running' then ${at} else ${was('recovered_at')} end,
        recovered_at_step = case when before.status = 'running' then ${was('current_step_index')}
                                 else ${was('recovered_at_step')} end,
        status = 'running', started_at = coalesce(${was('started_at')}, ${at}),
        waiting_gate = null, wake_at = null, updated_at = ${at}`;
  };
  // The run to claim, locked: its `where` is checked again on the newest row version once a concurrent claimer's
  // lock is let go, so exactly one claimer finds it. PostgreSQL's `returning` sees the row after the update: the
  // status before comes from this row.
  const claimable = (now: Date) => sql`${runnable(now)} and ${leaseFree(now)}`;
  const returningClaimed = sql`returning ${workflowRuns}.*, ${definitionIdentifier} as identifier,
      before.status as previous_status`;
  const leaseFree = (now: Date) =>
    sql`(lease_owner is null or lease_expires_at is null or lease_expires_at <= ${now.toISOString()}::timestamptz)`;
  const inProject = options.projectId ? sql`and project_id = ${options.projectId}::uuid` : sql``;

  function progressSets(progress: RunProgress, now: string): SQL[] {
    const sets: SQL[] = [sql`updated_at = ${now}::timestamptz`];
    const { status, currentPhase, currentStepIndex, error, output, waitingGate, wakeAt } = progress;
    if (currentPhase !== undefined) sets.push(sql`current_phase = ${currentPhase}::text`);
    if (currentStepIndex !== undefined) sets.push(sql`current_step_index = ${currentStepIndex}::int`);
    if (error !== undefined) sets.push(sql`error = ${error}::text`);
    if (output !== undefined) sets.push(sql`output = ${JSON.stringify(output ?? null)}::jsonb`);
    if (!status) {
      if (waitingGate !== undefined) sets.push(sql`waiting_gate = ${waitingGate}::text`);
      if (wakeAt !== undefined) sets.push(sql`wake_at = ${wakeAt}::timestamptz`);
      return sets;
    }
    const changes = sql`status is distinct from ${status}::text`;
    const onChange = (column: string, value: SQL, otherwise: SQL = sql`${sql.identifier(column)}`) =>
      sql`${sql.identifier(column)} = case when ${changes} then ${value} else ${otherwise} end`;
    sets.push(sql`status = ${status}::text`);
    // The gate is kept only by a waiting run; progress may name the gate it waits at.
    const gate = waitingGate !== undefined ? sql`${waitingGate}::text` : sql`waiting_gate`;
    sets.push(status === 'waiting' ? sql`waiting_gate = ${gate}` : onChange('waiting_gate', sql`null`, gate));
    // So is the wake time of a sleeping run.
    const wake = wakeAt !== undefined ? sql`${wakeAt}::timestamptz` : sql`wake_at`;
    sets.push(status === 'waiting' ? sql`wake_at = ${wake}` : onChange('wake_at', sql`null`, wake));
    if (status === 'running') sets.push(onChange('started_at', sql`coalesce(started_at, ${now}::timestamptz)`));
    if (status === 'paused') {
      sets.push(onChange('paused_at', sql`${now}::timestamptz`), onChange('pause_requested', sql`null`));
    }
    if (status === 'completed' || status === 'failed') sets.push(onChange('completed_at', sql`${now}::timestamptz`));
    if (status === 'cancelled') {
      sets.push(
        onChange('cancelled_at', sql`${now}::timestamptz`),
        onChange('cancel_requested', sql`false`),
        onChange('pause_requested', sql`null`),
      );
    }
    if (STOPS_HOLDING.has(status)) {
      sets.push(onChange('lease_owner', sql`null`), onChange('lease_expires_at', sql`null`));
    }
    return sets;
  }

  async function fenceFailure(runId: string): Promise<Error> {
    const [run] = await queryRows<{ id: string }>(db, sql`select id from ${workflowRuns} where id = ${runId}::uuid`);
    return run ? new LeaseLostError(runId) : new RunNotFoundError(runId);
  }

  return {
    async claim(runId, owner, ttlMs) {
      const now = options.now();
      const [row] = await queryPrepared<ClaimedRow>(
        relaxed,
        sql`update ${workflowRuns} set ${claimSet(owner, ttlMs, now)}
            from (select id, status from ${workflowRuns} where id = ${runId}::uuid and ${claimable(now)}
                  for update) before
            where ${workflowRuns}.id = before.id ${returningClaimed}`,
      );
      return claimed(row);
    },

    async claimNext(owner, ttlMs) {
      const now = options.now();
      const [row] = await queryPrepared<ClaimedRow>(
        relaxed,
        sql`update ${workflowRuns} set ${claimSet(owner, ttlMs, now)}
            from (select id, status from ${workflowRuns} where ${claimable(now)} ${inProject}
                  order by created_at limit 1 for update skip locked) before
            where ${workflowRuns}.id = before.id ${returningClaimed}`,
      );
      return claimed(row);
    },

    async update(runId, lease, progress) {
      const now = options.now().toISOString();
      const durable = progress.status !== undefined && progress.status !== 'running' && progress.status !== 'pending';
      const [row] = await queryPrepared<ClaimedRow>(
        durable ? db : relaxed,
        sql`update ${workflowRuns} set ${sql.join(progressSets(progress, now), sql`, `)}
            where id = ${runId}::uuid and lease_owner = ${lease.owner} and lease_epoch = ${lease.epoch}::int
            ${returningRun}`,
      );
      if (!row) throw await fenceFailure(runId);
      return toRun(row, row.identifier);
    },

    async release(runId, lease) {
      await queryPrepared(
        relaxed,
        sql`update ${workflowRuns} set lease_owner = null, lease_expires_at = null, updated_at = now()
            where id = ${runId}::uuid and lease_owner = ${lease.owner} and lease_epoch = ${lease.epoch}::int`,
      );
    },
  };
}
