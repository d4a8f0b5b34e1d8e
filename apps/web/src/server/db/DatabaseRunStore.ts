/**
 * The run store on the database, PGlite or PostgreSQL. It has the memory and file stores' semantics because it
 * runs the same state machine (`runState.ts` in the engine): a change reads the run and its journal under a row
 * lock, applies the transition, and writes back what changed in the same transaction. Reads that need no lock —
 * a run, a journal, a listing — are plain queries, and the next runnable run is found with `SKIP LOCKED` so
 * concurrent workers never queue behind each other.
 */
import { join } from 'node:path';
import { and, asc, eq, getTableColumns, inArray, isNull, sql } from 'drizzle-orm';
import type { SQL } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import { createStateRunStore, RunNotFoundError, runTransitions, systemClock } from '@switchyard/workflow-engine';
import type {
  AgentSessionStore,
  Clock,
  JournalRecord,
  JournalScope,
  RunComment,
  RunState,
  RunStateRepository,
  RunStore,
  WorkflowRun,
} from '@switchyard/workflow-engine';
import { NotFoundError } from '../../errors.ts';
import { queryRows } from './connection.ts';
import { execute, statementsByShape } from './statements.ts';
import { isStepProgress, journalWrites } from './journalWrites.ts';
import { runWrites } from './runWrites.ts';
import { definitionIdentifier, isRunId, iso, runChanges, runColumns, toRecord, toRun } from './journalRows.ts';
import type { RunRow, StepRow } from './journalRows.ts';
import type { AppDatabase } from './connection.ts';
import { agentSessions, workflowComments, workflowDefinitions, workflowRuns, workflowRunSteps } from './schema.ts';

export interface DatabaseRunStoreOptions {
  /** The project new runs belong to, and the only one listed and claimed from. Without it: every project's runs. */
  projectId?: string;
  /** Where step logs go, recorded on each step row: `<executionsDir>/<runId>/logs/<stepId>`. */
  executionsDir?: string;
  clock?: Clock;
  /**
   * A connection whose commits do not wait for the disk (PostgreSQL's `synchronous_commit = off`), for the writes a
   * crash may lose without harm: a step's start record (the step then runs again, as it would anyway).
   */
  relaxedDb?: AppDatabase;
}

type CommentRow = typeof workflowComments.$inferSelect;

const ALL: JournalScope = { journal: 'all' };

function stepColumns(record: JournalRecord, logDirectory: string | null) {
  return {
    step_id: record.stepId,
    step_index: record.index,
    name: record.name,
    phase: record.phase,
    type: record.type,
    status: record.status,
    attempt: record.attempt,
    input: record.input ?? null,
    output: record.result ?? null,
    error: record.error ?? null,
    cli_session_id: record.agentSessionId,
    agent_session_id: record.agentSessionRecordId,
    log_directory_path: logDirectory,
    started_at: record.startedAt,
    finished_at: record.finishedAt,
    invalidated_at: record.invalidatedAt,
  };
}

/** `column = value, …` for raw SQL, each value encoded by its column as the update builder would. */
function assignments(table: PgTable, values: Record<string, unknown>): SQL {
  const columns = getTableColumns(table);
  return sql.join(
    Object.entries(values).map(
      ([key, value]) => sql`${sql.identifier(columns[key]!.name)} = ${sql.param(value, columns[key])}`,
    ),
    sql`, `,
  );
}

/** `insert into table (…) values (…)` for raw SQL, each value encoded by its column as the insert builder would. */
function insertion(table: PgTable, values: Record<string, unknown>): SQL {
  const columns = getTableColumns(table);
  const names = Object.keys(values).map((key) => sql.identifier(columns[key]!.name));
  const encoded = Object.entries(values).map(([key, value]) => sql`${sql.param(value, columns[key])}`);
  return sql`insert into ${table} (${sql.join(names, sql`, `)}) values (${sql.join(encoded, sql`, `)})`;
}

type RunInsert = Record<string, unknown> & { template_project_id: string; template_identifier: string };

/**
 * A new run, keyed by its template's row, found by the template's id in the same statement: one text per set of
 * columns (there is one), each value encoded by its column.
 */
const RUN_INSERT = statementsByShape<string[], RunInsert>(
  (keys) => keys.join(','),
  (keys, slot) => {
    const columns: Record<string, PgColumn> = getTableColumns(workflowRuns);
    const values = keys.map((key) => sql`${sql.param(slot[key], columns[key])}`);
    const names = keys.map((key) => sql.identifier(columns[key]!.name));
    return sql`insert into ${workflowRuns} (${sql.join(names, sql`, `)}, workflow_definition_id)
        select ${sql.join(values, sql`, `)}, d.id from ${workflowDefinitions} d
        where d.project_id = ${slot.template_project_id}::uuid and d.identifier = ${slot.template_identifier}::text
        returning ${workflowRuns.id}`;
  },
);

function toComment(row: CommentRow, stepId: string | null): RunComment {
  return {
    id: row.id,
    runId: row.workflow_run_id,
    stepId,
    stepRecordId: row.workflow_run_step_id,
    key: row.dedupe_key,
    text: row.text,
    type: row.comment_type,
    createdAt: iso(row.created_at),
  };
}

export function createDatabaseRunStore(db: AppDatabase, options: DatabaseRunStoreOptions = {}): RunStore {
  const clock = options.clock ?? systemClock;
  const inProject = options.projectId ? eq(workflowRuns.project_id, options.projectId) : undefined;
  const logDirectory = (runId: string, stepId: string) =>
    options.executionsDir ? join(options.executionsDir, runId, 'logs', stepId) : null;

  // The hot path — a step's reads and writes — is raw SQL: on these drivers the select and update builders add
  // about half a millisecond a statement, more than a round trip to a local PostgreSQL. Values are still encoded
  // by their drizzle columns (`sql.param`), so jsonb goes in as JSON and timestamps as strings, exactly as the
  // builders send them.

  async function readRun(tx: AppDatabase, runId: string): Promise<WorkflowRun | undefined> {
    if (!isRunId(runId)) return undefined;
    const [found] = await queryRows<RunRow & { identifier: string }>(
      tx,
      sql`select r.*, d.identifier from ${workflowRuns} r join ${workflowDefinitions} d on d.id = r.workflow_definition_id
          where r.id = ${runId}`,
    );
    return found && toRun(found, found.identifier);
  }

  async function readJournalRows(tx: AppDatabase, runId: string, scope: JournalScope = ALL): Promise<StepRow[]> {
    if (scope.journal === 'none') return [];
    const ofStep = scope.journal === 'step' ? sql` and step_id = ${scope.stepId}` : sql``;
    return queryRows<StepRow>(
      tx,
      sql`select * from ${workflowRunSteps} where workflow_run_id = ${runId}${ofStep} order by created_at, step_index`,
    );
  }

  /**
   * Locks a run's row and reads the journal records a change needs, in one round trip. The journal comes from the
   * statement's snapshot, taken before the lock was granted: if another change committed in between (we waited
   * for its lock), the snapshot misses its journal writes. Every change that writes journal records also writes
   * the run row (see `changeLocked`), so that case shows as a locked row version newer than the one the snapshot
   * sees, and the journal is read again, now after the lock.
   */
  async function lockRun(
    tx: AppDatabase,
    runId: string,
    reads: JournalScope = ALL,
  ): Promise<{ run: WorkflowRun; rows: StepRow[] } | undefined> {
    if (!isRunId(runId)) return undefined;
    const ofStep = reads.journal === 'step' ? sql` and s.step_id = ${reads.stepId}` : sql``;
    const journal =
      reads.journal === 'none'
        ? sql`'[]'::json`
        : sql`(select coalesce(json_agg(s order by s.created_at, s.step_index), '[]'::json)
               from ${workflowRunSteps} s where s.workflow_run_id = ${runId}${ofStep})`;
    const [found] = await queryRows<RunRow & { identifier: string; journal: StepRow[]; locked: string; seen: string }>(
      tx,
      sql`select r.*, d.identifier, ${journal} as journal, r.xmin::text as locked,
                 (select xmin::text from ${workflowRuns} where id = ${runId}) as seen
          from ${workflowRuns} r join ${workflowDefinitions} d on d.id = r.workflow_definition_id
          where r.id = ${runId} for update of r`,
    );
    if (!found) return undefined;
    const current = reads.journal === 'none' || found.locked === found.seen;
    return {
      run: toRun(found, found.identifier),
      rows: current ? found.journal : await readJournalRows(tx, runId, reads),
    };
  }

  /**
   * Applies a transition to a locked run and writes back the run row and every journal record it touched. `rows`
   * are only the journal records the transition reads (a step's own, for the per-step writes), so a step costs
   * the same however long the run. Comments are not loaded: the one transition on them, `addComment`, is a
   * single insert of its own below.
   */
  async function changeLocked<T>(
    tx: AppDatabase,
    run: WorkflowRun,
    rows: StepRow[],
    change: (state: RunState) => T,
  ): Promise<T> {
    const records = rows.map(toRecord);
    const rowIdOf = new Map(records.map((record, i) => [record, rows[i]!.id]));
    const before = new Map(records.map((record) => [record, JSON.stringify(record)]));
    const runBefore = JSON.stringify(run);
    const state: RunState = { run, journal: records, comments: [] };

    const result = change(state);

    const stepWrites: SQL[] = [];
    const sessionWrites: SQL[] = [];
    for (const record of state.journal) {
      const rowId = rowIdOf.get(record);
      const values = stepColumns(record, logDirectory(run.id, record.stepId));
      if (rowId === undefined) {
        stepWrites.push(insertion(workflowRunSteps, { ...values, workflow_run_id: run.id }));
      } else if (before.get(record) !== JSON.stringify(record)) {
        const changes = assignments(workflowRunSteps, { ...values, updated_at: new Date().toISOString() });
        stepWrites.push(sql`update ${workflowRunSteps} set ${changes} where id = ${rowId}`);
        if (record.agentSessionRecordId && record.agentSessionId) {
          sessionWrites.push(
            sql`update ${agentSessions} set cli_session_id = ${record.agentSessionId} where id = ${record.agentSessionRecordId}`,
          );
        }
      }
    }
    // A change that writes journal records writes the run row too, even unchanged: `lockRun` relies on it.
    const runWrite =
      JSON.stringify(state.run) !== runBefore || stepWrites.length > 0
        ? sql`update ${workflowRuns} set ${assignments(workflowRuns, runChanges(state.run))} where id = ${run.id}`
        : undefined;
    // The run row and the first journal record go in one statement (a step's start or finish is then one round
    // trip): they are different tables and share no key. Further records keep their own statements, in journal
    // order, so an invalidation always lands before an insert that reuses its step id (unique indexes check row
    // by row, and the parts of one statement run in no set order).
    const [firstStep, ...otherSteps] = stepWrites;
    const statements =
      runWrite && firstStep
        ? [sql`with run_write as (${runWrite}) ${firstStep}`, ...otherSteps]
        : [...(runWrite ? [runWrite] : []), ...stepWrites];
    for (const statement of [...statements, ...sessionWrites]) await tx.execute(statement);
    return result;
  }

  const repo: RunStateRepository = {
    async insert(state) {
      const projectId = options.projectId;
      if (!projectId) throw new Error('this run store serves every project: create runs through a project store');
      // The run is keyed by its template's row, found by the template's id in the same statement.
      const values = {
        ...runChanges(state.run),
        id: state.run.id,
        project_id: projectId,
        args: state.run.args ?? {},
        created_at: state.run.createdAt,
      };
      const inserted = await execute<{ id: string }, RunInsert>(db, RUN_INSERT(Object.keys(values)), {
        ...values,
        template_project_id: projectId,
        template_identifier: state.run.definitionId,
      });
      if (inserted.length === 0) {
        throw new NotFoundError('workflow definition', state.run.definitionId, {
          field: 'workflow_definition_id',
          message: `template "${state.run.definitionId}" is not registered in project ${projectId}`,
        });
      }
    },
    async read(runId) {
      const run = await readRun(db, runId);
      if (!run) return undefined;
      const journal = (await readJournalRows(db, runId)).map(toRecord);
      return { run, journal, comments: await listComments(runId) };
    },
    async ids() {
      const rows = await db
        .select({ id: workflowRuns.id })
        .from(workflowRuns)
        .where(inProject)
        .orderBy(asc(workflowRuns.created_at));
      return rows.map((r) => r.id);
    },
    async update(runId, change, reads) {
      return db.transaction(async (tx) => {
        const locked = await lockRun(tx as unknown as AppDatabase, runId, reads);
        if (!locked) throw new RunNotFoundError(runId);
        return changeLocked(tx as unknown as AppDatabase, locked.run, locked.rows, change);
      });
    },
  };

  async function listComments(runId: string): Promise<RunComment[]> {
    if (!isRunId(runId)) throw new RunNotFoundError(runId);
    const rows = await db
      .select({ comment: workflowComments, stepId: workflowRunSteps.step_id })
      .from(workflowComments)
      .leftJoin(workflowRunSteps, eq(workflowRunSteps.id, workflowComments.workflow_run_step_id))
      .where(eq(workflowComments.workflow_run_id, runId))
      .orderBy(asc(workflowComments.created_at), asc(workflowComments.id));
    return rows.map((r) => toComment(r.comment, r.stepId));
  }

  const base = createStateRunStore(repo, clock);
  const now = () => clock.now();
  const hotPath = journalWrites(db, { logDirectory, now });
  const runPath = runWrites(db, { projectId: options.projectId, now, relaxed: options.relaxedDb });
  const startPath = options.relaxedDb ? journalWrites(options.relaxedDb, { logDirectory, now }) : hotPath;
  return {
    ...base,

    // The hot path — claiming a run, its progress, its steps, letting it go — one statement each (runWrites.ts,
    // journalWrites.ts); a step write that changes other run fields with it takes the general path.
    claimRun: (runId, owner, ttlMs) =>
      isRunId(runId) ? runPath.claim(runId, owner, ttlMs) : base.claimRun(runId, owner, ttlMs),
    claimNextRun: (owner, ttlMs) => runPath.claimNext(owner, ttlMs),
    updateRun: (runId, lease, progress) =>
      isRunId(runId) ? runPath.update(runId, lease, progress) : base.updateRun(runId, lease, progress),
    releaseLease: (runId, lease) => (isRunId(runId) ? runPath.release(runId, lease) : base.releaseLease(runId, lease)),

    async startStep(runId, lease, start, progress) {
      if (!isStepProgress(progress) || !isRunId(runId)) return base.startStep(runId, lease, start, progress);
      return startPath.upsert(runId, lease, start, undefined, progress);
    },
    async recordStep(runId, lease, start, outcome, progress) {
      if (!isStepProgress(progress) || !isRunId(runId)) return base.recordStep(runId, lease, start, outcome, progress);
      return hotPath.upsert(runId, lease, start, outcome, progress);
    },
    async finishStep(runId, lease, stepId, outcome, progress) {
      if (!isStepProgress(progress) || !isRunId(runId)) return base.finishStep(runId, lease, stepId, outcome, progress);
      return hotPath.finish(runId, lease, stepId, outcome, progress);
    },
    async updateStep(runId, lease, stepId, update) {
      if (!isRunId(runId)) return base.updateStep(runId, lease, stepId, update);
      return hotPath.update(runId, lease, stepId, update);
    },

    getRun: (runId) => readRun(db, runId),

    // Only sleeping runs have a wake time (it is cleared when a run stops waiting), so the partial index answers.
    async nextWakeAt() {
      const ofProject = options.projectId ? sql` and project_id = ${options.projectId}::uuid` : sql``;
      const [row] = await queryRows<{ at: string | null }>(
        db,
        sql`select min(wake_at)::text as at from ${workflowRuns} where wake_at is not null${ofProject}`,
      );
      return row?.at ? Date.parse(row.at) : undefined;
    },

    async listRuns(filter = {}) {
      const conditions: (SQL | undefined)[] = [inProject];
      if (filter.status) conditions.push(inArray(workflowRuns.status, filter.status));
      if (filter.definitionId) conditions.push(sql`${definitionIdentifier} = ${filter.definitionId}`);
      const rows = await db
        .select(runColumns)
        .from(workflowRuns)
        .where(and(...conditions))
        .orderBy(asc(workflowRuns.created_at), asc(workflowRuns.id));
      return rows.map((r) => toRun(r.row, r.identifier));
    },

    async getJournal(runId, journalOptions = {}) {
      const run = await readRun(db, runId);
      if (!run) throw new RunNotFoundError(runId);
      const journal = (await readJournalRows(db, runId)).map(toRecord);
      return journalOptions.includeInvalidated ? journal : runTransitions.activeJournal({ run, journal, comments: [] });
    },

    async addComment(input) {
      return db.transaction(async (transaction) => {
        const tx = transaction as unknown as AppDatabase;
        const locked = await lockRun(tx, input.runId, { journal: 'none' });
        if (!locked) throw new RunNotFoundError(input.runId);
        // The rule — a key the run already has is not written again — is the state machine's; the run's row lock
        // makes applying it atomic. Only the comment with that key can matter to it.
        const existing =
          input.key === null
            ? []
            : await queryRows<CommentRow & { step_id: string | null }>(
                tx,
                sql`select c.*, s.step_id from ${workflowComments} c
                    left join ${workflowRunSteps} s on s.id = c.workflow_run_step_id
                    where c.workflow_run_id = ${input.runId} and c.dedupe_key = ${input.key}`,
              );
        const state: RunState = {
          run: locked.run,
          journal: [],
          comments: existing.map((row) => toComment(row, row.step_id)),
        };
        const outcome = runTransitions.addComment(state, input, clock.now());
        if (!outcome.created) return outcome;
        const stepRowId = input.stepId ? await activeStepRowId(tx, input.runId, input.stepId) : null;
        const { comment } = outcome;
        await tx.execute(
          insertion(workflowComments, {
            id: comment.id,
            workflow_run_id: comment.runId,
            workflow_run_step_id: stepRowId,
            text: comment.text,
            comment_type: comment.type,
            dedupe_key: comment.key,
            created_at: comment.createdAt,
            updated_at: comment.createdAt,
          }),
        );
        return { comment: { ...comment, stepRecordId: stepRowId }, created: true };
      });
    },

    listComments,
  };

  async function activeStepRowId(tx: AppDatabase, runId: string, stepId: string): Promise<string | null> {
    const [row] = await tx
      .select({ id: workflowRunSteps.id })
      .from(workflowRunSteps)
      .where(
        and(
          eq(workflowRunSteps.workflow_run_id, runId),
          eq(workflowRunSteps.step_id, stepId),
          isNull(workflowRunSteps.invalidated_at),
        ),
      );
    return row?.id ?? null;
  }
}

/** Creates the `agent_sessions` row before an agent process starts, in the run's project. */
export function createDatabaseAgentSessionStore(db: AppDatabase): AgentSessionStore {
  return {
    async createSession({ runId, agent, cwd }) {
      const [run] = await db
        .select({ projectId: workflowRuns.project_id })
        .from(workflowRuns)
        .where(eq(workflowRuns.id, runId));
      if (!run) throw new RunNotFoundError(runId);
      const [row] = await db
        .insert(agentSessions)
        .values({ project_id: run.projectId, agent, cwd })
        .returning({ id: agentSessions.id });
      return row!.id;
    },
  };
}
