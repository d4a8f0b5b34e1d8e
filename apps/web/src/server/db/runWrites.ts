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
import type { ClaimedRun, Lease, RunProgress, RunStatus, WorkflowRun } from '@switchyard/workflow-engine';
import type { AppDatabase } from './connection.ts';
import { definitionIdentifier, toRun } from './journalRows.ts';
import type { RunRow } from './journalRows.ts';
import { workflowRuns } from './schema.ts';
import { fenceFailure } from './journalWrites.ts';
import { execute, statement, statementsByShape } from './statements.ts';
import type { Slots } from './statements.ts';

const STOPS_HOLDING = new Set<RunStatus>(['completed', 'failed', 'cancelled', 'paused', 'waiting']);

const returningRun = sql`returning ${workflowRuns}.*, ${definitionIdentifier} as identifier`;

type ClaimedRow = RunRow & { identifier: string; previous_status: RunStatus };

function claimed(row: ClaimedRow | undefined): ClaimedRun | undefined {
  if (!row) return undefined;
  const run = toRun(row, row.identifier);
  return { run, lease: run.lease!, previousStatus: row.previous_status };
}

interface Claim {
  runId: string;
  owner: string;
  now: string;
  expiresAt: string;
  projectId: string;
}

interface Fenced {
  runId: string;
  owner: string;
  epoch: number;
  now: string;
}

type Progress = Fenced & {
  [K in keyof Required<RunProgress>]: K extends 'output' ? string | null : RunProgress[K] | null;
};

export interface RunWrites {
  claim(runId: string, owner: string, ttlMs: number): Promise<ClaimedRun | undefined>;
  /** The oldest runnable run of the project (of every project without one), skipping runs others are claiming. */
  claimNext(owner: string, ttlMs: number): Promise<ClaimedRun | undefined>;
  update(runId: string, lease: Lease, progress: RunProgress): Promise<WorkflowRun>;
  release(runId: string, lease: Lease): Promise<void>;
}

// A run claimed while `running` was left so by a process that stopped executing it: the claim recovers it. The
// claim makes it running (`setStatus` in runState.ts), so that starting it needs no write of its own.
function claimSets(slot: Slots<Claim>): SQL {
  const at = sql`${slot.now}::timestamptz`;
  const was = (column: string) => sql`${workflowRuns}.${sql.identifier(column)}`;
  return sql`lease_owner = ${slot.owner}::text, lease_epoch = ${was('lease_epoch')} + 1,
      lease_expires_at = ${slot.expiresAt}::timestamptz,
      recovered_at = case when before.status = 'running' then ${at} else ${was('recovered_at')} end,
      recovered_at_step = case when before.status = 'running' then ${was('current_step_index')}
                               else ${was('recovered_at_step')} end,
      status = 'running', started_at = coalesce(${was('started_at')}, ${at}),
      waiting_gate = null, wake_at = null, updated_at = ${at}`;
}

const leaseFree = (slot: Slots<Claim>) =>
  sql`(lease_owner is null or lease_expires_at is null or lease_expires_at <= ${slot.now}::timestamptz)`;
/** Pending, running (a dead worker's run, once its lease expired), or sleeping and due; and no live lease on it. */
const claimable = (slot: Slots<Claim>) =>
  sql`(status in ('pending', 'running') or (status = 'waiting' and wake_at <= ${slot.now}::timestamptz))
      and ${leaseFree(slot)}`;

// The run to claim, locked: its `where` is checked again on the newest row version once a concurrent claimer's
// lock is let go, so exactly one claimer finds it. PostgreSQL's `returning` sees the row after the update: the
// status before comes from this row.
const claimOf = (slot: Slots<Claim>, before: SQL) =>
  sql`update ${workflowRuns} set ${claimSets(slot)} from (${before}) before
      where ${workflowRuns}.id = before.id
      returning ${workflowRuns}.*, ${definitionIdentifier} as identifier, before.status as previous_status`;

const CLAIM = statement<Claim>((slot) =>
  claimOf(
    slot,
    sql`select id, status from ${workflowRuns} where id = ${slot.runId}::uuid and ${claimable(slot)} for update`,
  ),
);

/**
 * The oldest runnable run: the oldest of the queue's head (pending or running, read in order from the claim
 * index) and of the sleeping runs that are due (from the wake index). Each is locked as it is found, skipping
 * runs other claimers hold; the one not taken is let go when the statement ends.
 */
const claimNextStatement = (inProject: boolean) =>
  statement<Claim>((slot) => {
    const ofProject = inProject ? sql`and project_id = ${slot.projectId}::uuid` : sql``;
    return claimOf(
      slot,
      sql`with queued as (
            select id, status, created_at from ${workflowRuns}
            where status in ('pending', 'running') and ${leaseFree(slot)} ${ofProject}
            order by created_at limit 1 for update skip locked),
          due as (
            select id, status, created_at from ${workflowRuns}
            where wake_at <= ${slot.now}::timestamptz and status = 'waiting' and ${leaseFree(slot)} ${ofProject}
            order by created_at limit 1 for update skip locked)
          select id, status from (select * from queued union all select * from due) candidates
          order by created_at limit 1`,
    );
  });
const CLAIM_NEXT = { inProject: claimNextStatement(true), everywhere: claimNextStatement(false) };

/** Which of a progress's fields are set: the shape its statement is built for. */
type ProgressShape = { status: RunStatus | undefined; fields: (keyof RunProgress)[] };

function progressSets(shape: ProgressShape, slot: Slots<Progress>): SQL[] {
  const sets: SQL[] = [sql`updated_at = ${slot.now}::timestamptz`];
  const has = (field: keyof RunProgress) => shape.fields.includes(field);
  const { status } = shape;
  if (has('currentPhase')) sets.push(sql`current_phase = ${slot.currentPhase}::text`);
  if (has('currentStepIndex')) sets.push(sql`current_step_index = ${slot.currentStepIndex}::int`);
  if (has('error')) sets.push(sql`error = ${slot.error}::text`);
  if (has('output')) sets.push(sql`output = ${slot.output}::jsonb`);
  if (!status) {
    if (has('waitingGate')) sets.push(sql`waiting_gate = ${slot.waitingGate}::text`);
    if (has('wakeAt')) sets.push(sql`wake_at = ${slot.wakeAt}::timestamptz`);
    return sets;
  }
  const changes = sql`status is distinct from ${slot.status}::text`;
  const onChange = (column: string, value: SQL, otherwise: SQL = sql`${sql.identifier(column)}`) =>
    sql`${sql.identifier(column)} = case when ${changes} then ${value} else ${otherwise} end`;
  const now = sql`${slot.now}::timestamptz`;
  sets.push(sql`status = ${slot.status}::text`);
  // The gate is kept only by a waiting run; progress may name the gate it waits at.
  const gate = has('waitingGate') ? sql`${slot.waitingGate}::text` : sql`waiting_gate`;
  sets.push(status === 'waiting' ? sql`waiting_gate = ${gate}` : onChange('waiting_gate', sql`null`, gate));
  // So is the wake time of a sleeping run.
  const wake = has('wakeAt') ? sql`${slot.wakeAt}::timestamptz` : sql`wake_at`;
  sets.push(status === 'waiting' ? sql`wake_at = ${wake}` : onChange('wake_at', sql`null`, wake));
  if (status === 'running') sets.push(onChange('started_at', sql`coalesce(started_at, ${now})`));
  if (status === 'paused') sets.push(onChange('paused_at', now), onChange('pause_requested', sql`null`));
  if (status === 'completed' || status === 'failed') sets.push(onChange('completed_at', now));
  if (status === 'cancelled') {
    sets.push(
      onChange('cancelled_at', now),
      onChange('cancel_requested', sql`false`),
      onChange('pause_requested', sql`null`),
    );
  }
  if (STOPS_HOLDING.has(status)) {
    sets.push(onChange('lease_owner', sql`null`), onChange('lease_expires_at', sql`null`));
  }
  return sets;
}

const PROGRESS = statementsByShape<ProgressShape, Progress>(
  (shape) => `${shape.status ?? ''}:${shape.fields.join(',')}`,
  (shape, slot) =>
    sql`update ${workflowRuns} set ${sql.join(progressSets(shape, slot), sql`, `)}
        where id = ${slot.runId}::uuid and lease_owner = ${slot.owner}::text and lease_epoch = ${slot.epoch}::int
        ${returningRun}`,
);

const RELEASE = statement<Fenced>(
  (slot) =>
    sql`update ${workflowRuns} set lease_owner = null, lease_expires_at = null, updated_at = ${slot.now}::timestamptz
        where id = ${slot.runId}::uuid and lease_owner = ${slot.owner}::text and lease_epoch = ${slot.epoch}::int`,
);

const PROGRESS_FIELDS = [
  'status',
  'currentPhase',
  'currentStepIndex',
  'error',
  'output',
  'waitingGate',
  'wakeAt',
] as const;

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
  const claimNext = options.projectId ? CLAIM_NEXT.inProject : CLAIM_NEXT.everywhere;
  const claim = (runId: string, owner: string, ttlMs: number): Claim => {
    const now = options.now();
    return {
      runId,
      owner,
      now: now.toISOString(),
      expiresAt: new Date(now.getTime() + ttlMs).toISOString(),
      projectId: options.projectId ?? '',
    };
  };
  const fenced = (runId: string, lease: Lease): Fenced => ({
    runId,
    owner: lease.owner,
    epoch: lease.epoch,
    now: options.now().toISOString(),
  });

  return {
    async claim(runId, owner, ttlMs) {
      const [row] = await execute<ClaimedRow, Claim>(relaxed, CLAIM, claim(runId, owner, ttlMs));
      return claimed(row);
    },

    async claimNext(owner, ttlMs) {
      const [row] = await execute<ClaimedRow, Claim>(relaxed, claimNext, claim('', owner, ttlMs));
      return claimed(row);
    },

    async update(runId, lease, progress) {
      const { status } = progress;
      const durable = status !== undefined && status !== 'running' && status !== 'pending';
      const fields = PROGRESS_FIELDS.filter((field) => progress[field] !== undefined);
      const [row] = await execute<ClaimedRow, Progress>(durable ? db : relaxed, PROGRESS({ status, fields }), {
        ...fenced(runId, lease),
        status: status ?? null,
        currentPhase: progress.currentPhase ?? null,
        currentStepIndex: progress.currentStepIndex ?? null,
        error: progress.error ?? null,
        output: progress.output === undefined ? null : JSON.stringify(progress.output ?? null),
        waitingGate: progress.waitingGate ?? null,
        wakeAt: progress.wakeAt ?? null,
      });
      if (!row) throw await fenceFailure(db, runId);
      return toRun(row, row.identifier);
    },

    async release(runId, lease) {
      await execute(relaxed, RELEASE, fenced(runId, lease));
    },
  };
}
