/**
 * The board's query: every active run of a project (and failed ones, which wait for a person) plus those finished
 * in the last day, as compact cards. Three statements at once whatever the number of runs: runs, their active
 * steps (small columns only: no inputs, no outputs beyond the cost and a short tail), and counts by status.
 */
import { and, asc, eq, gt, inArray, or, sql } from 'drizzle-orm';
import { RUN_STATUSES } from '@switchyard/workflow-engine/vocabulary';
import type { StepStatus, StepType } from '@switchyard/workflow-engine/vocabulary';
import { queryRows } from '../../db/connection.ts';
import type { AppDatabase } from '../../db/connection.ts';
import { projects, workflowArtifacts, workflowComments, workflowRunSteps, workflowRuns } from '../../db/schema.ts';
import { NotFoundError } from '../../../errors.ts';
import type { Board, BoardCard } from '../../../protocol/board.ts';
import { lastLine } from './activity.ts';
import type { ActivityReader } from './activity.ts';

const ON_BOARD = ['pending', 'running', 'paused', 'waiting', 'failed'] as const;
const FINISHED_SHOWN = ['completed', 'cancelled'] as const;
const FINISHED_WINDOW_MS = 24 * 60 * 60 * 1000;
const MAX_CARDS = 2_000;
const ARGS_PREVIEW_CHARS = 300;
const COUNT_LIMIT = 1_000;

export interface BoardDeps {
  db: AppDatabase;
  /** How many steps a run's pinned template declares (null when it declares none: TypeScript templates). */
  declaredStepCount(run: { id: string; status: string; projectDir: string }): Promise<number | null>;
  /** The latest line of a running step's event log. */
  readActivity: ActivityReader;
}

interface BoardStepRow {
  id: string;
  run_id: string;
  step_id: string;
  name: string;
  phase: string;
  type: StepType;
  status: StepStatus;
  started_at: string | null;
  log_directory_path: string | null;
  cost: number | null;
  additions: number | null;
  deletions: number | null;
  tail: string | null;
  artifacts: number;
}

const iso = (value: string | Date | null): string | null => (value === null ? null : new Date(value).toISOString());

export async function getBoard(deps: BoardDeps, projectId: string): Promise<Board> {
  const { db } = deps;
  const since = new Date(Date.now() - FINISHED_WINDOW_MS).toISOString();
  const onBoard = and(
    eq(workflowRuns.project_id, projectId),
    or(
      inArray(workflowRuns.status, [...ON_BOARD]),
      and(
        inArray(workflowRuns.status, [...FINISHED_SHOWN]),
        // The expression of the finished index (schema.ts), so that the index answers it.
        gt(sql`coalesce(${workflowRuns.completed_at}, ${workflowRuns.cancelled_at})`, since),
      ),
    ),
  );
  const [project] = await db.select({ path: projects.path }).from(projects).where(eq(projects.id, projectId));
  if (!project) throw new NotFoundError('project', projectId, { field: 'project_id' });
  const [runs, counts, steps] = await Promise.all([
    db
      .select({
        id: workflowRuns.id,
        project_id: workflowRuns.project_id,
        workflow_definition_id: workflowRuns.workflow_definition_id,
        name: workflowRuns.name,
        status: workflowRuns.status,
        current_phase: workflowRuns.current_phase,
        waiting_gate: workflowRuns.waiting_gate,
        wake_at: workflowRuns.wake_at,
        pause_requested: workflowRuns.pause_requested,
        error: sql<string | null>`left(${workflowRuns.error}, 300)`,
        args_preview: sql<string>`left(${workflowRuns.args}::text, ${ARGS_PREVIEW_CHARS})`,
        started_at: workflowRuns.started_at,
        completed_at: workflowRuns.completed_at,
        created_at: workflowRuns.created_at,
        updated_at: workflowRuns.updated_at,
        recovered_at: workflowRuns.recovered_at,
        recovered_at_step: workflowRuns.recovered_at_step,
        comment_count: sql<number>`(select count(*) from ${workflowComments} where ${workflowComments.workflow_run_id} = ${workflowRuns.id})`,
      })
      .from(workflowRuns)
      .where(onBoard)
      .orderBy(asc(workflowRuns.created_at), asc(workflowRuns.id))
      .limit(MAX_CARDS),
    // Each status counted from the board index, and only up to the limit: a project's history of 100,000 runs
    // costs the board what one of 1,000 does. One count per status, each with its status as a value the planner
    // sees: a status correlated from a list was planned once for all of them, as a scan of the whole table.
    queryRows<{ status: string; n: number }>(
      db,
      sql.join(
        RUN_STATUSES.map(
          (status) => sql`select ${status}::text as status, (select count(*)::int from (select 1 from ${workflowRuns} r
            where r.project_id = ${projectId}::uuid and r.status = ${status}::text limit ${COUNT_LIMIT}) counted) as n`,
        ),
        sql` union all `,
      ),
    ),
    // The steps of the same runs, in parallel with them: a subquery instead of a second round trip. As an array of
    // run ids, which the step index answers: a join the planner chose freely read all of a large project's steps to
    // keep those of a thousand runs.
    queryRows<BoardStepRow>(
      db,
      sql`select s.id, s.workflow_run_id as run_id, s.step_id, s.name, s.phase, s.type, s.status, s.started_at,
            s.log_directory_path,
            (s.output->'data'->>'costUsd')::float8 as cost,
            (s.output->'changes'->>'additions')::int as additions,
            (s.output->'changes'->>'deletions')::int as deletions,
            coalesce(right(s.output->'data'->>'stdout', 400), left(s.output->'data'->>'text', 400),
              s.error->>'message') as tail,
            (select count(*) from ${workflowArtifacts} a where a.workflow_run_step_id = s.id)::int as artifacts
          from ${workflowRunSteps} s
          where s.workflow_run_id = any(array(${db
            .select({ id: workflowRuns.id })
            .from(workflowRuns)
            .where(onBoard)
            .orderBy(asc(workflowRuns.created_at), asc(workflowRuns.id))
            .limit(MAX_CARDS)}))
            and s.invalidated_at is null
          order by s.step_index`,
    ),
  ]);
  const stepsByRun = new Map<string, typeof steps>();
  for (const step of steps) {
    const list = stepsByRun.get(step.run_id) ?? [];
    list.push(step);
    stepsByRun.set(step.run_id, list);
  }

  const cards = await Promise.all(
    runs.map(async (run): Promise<BoardCard> => {
      const runSteps = stepsByRun.get(run.id) ?? [];
      const current = runSteps.find((s) => s.status === 'running') ?? runSteps.at(-1) ?? null;
      const inPhase = runSteps.filter((s) => s.phase === run.current_phase && s.started_at !== null);
      const activity =
        current === null
          ? null
          : current.status === 'running' && current.log_directory_path
            ? await deps.readActivity(current.log_directory_path)
            : lastLine(current.tail ?? '');
      return {
        ...run,
        comment_count: Number(run.comment_count),
        error: run.error,
        steps_done: runSteps.filter((s) => s.status !== 'running' && s.status !== 'pending').length,
        steps_total: await deps.declaredStepCount({ id: run.id, status: run.status, projectDir: project.path }),
        current_step: current && {
          id: current.id,
          step_id: current.step_id,
          name: current.name,
          phase: current.phase,
          type: current.type,
          status: current.status,
          started_at: iso(current.started_at),
        },
        activity,
        cost_usd: runSteps.reduce((sum, s) => sum + (Number(s.cost) || 0), 0),
        additions: runSteps.reduce((sum, s) => sum + (Number(s.additions) || 0), 0),
        deletions: runSteps.reduce((sum, s) => sum + (Number(s.deletions) || 0), 0),
        phase_entered_at: iso(inPhase[0]?.started_at ?? null),
        artifact_count: runSteps.reduce((sum, s) => sum + Number(s.artifacts), 0),
        recovered_at: iso(run.recovered_at),
        recovered_at_step: run.recovered_at_step,
        started_at: iso(run.started_at),
        completed_at: iso(run.completed_at),
        wake_at: iso(run.wake_at),
        created_at: iso(run.created_at)!,
        updated_at: iso(run.updated_at)!,
      };
    }),
  );
  return {
    project_id: projectId,
    cards,
    counts: Object.fromEntries(counts.filter((c) => c.n > 0).map((c) => [c.status, c.n])),
    count_limit: COUNT_LIMIT,
  };
}
