/**
 * `api.board_query_ms`: the board's reads through the real app (`app.inject`, no socket) on projects holding
 * 1,000, 10,000 and 100,000 runs, on PGlite and PostgreSQL: the board itself (`GET /api/board`: active runs, failed
 * ones and those finished in the last day, as cards), the active runs' first page, and a page in the middle of the
 * list. The goal is a figure flat in the number of runs (`ratio_100000_to_1000`): a project's history grows, the work
 * in flight does not, so every project has the same newest 1,000 runs (the status cycle below, 300 of them active)
 * and, below them, history older than a day (completed, 1 in 20 cancelled) up to its size. The runs are seeded with
 * `insert … select generate_series` — one statement per table, seconds rather than minutes — all three projects
 * before any is measured, and no worker pool runs, so nothing changes them while they are read.
 */
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { performance } from 'node:perf_hooks';
import { buildApp } from '../apps/web/src/server/app.ts';
import { createWorkflowRuntime } from '../apps/web/src/server/domain/workflow/workflowRuntime.ts';
import { createEventBus } from '../apps/web/src/server/websocket/memoryEventBus.ts';
import { isSkipped } from './database.ts';
import type { BenchDatabase, BenchDatabases, Skipped } from './database.ts';
import { distribution, ratio } from './stats.ts';
import type { Distribution } from './stats.ts';

const SIZES = [1_000, 10_000, 100_000];
const STEPS_PER_RUN = 3;
const REQUESTS = 30;
const WARMUP_REQUESTS = 5;

/** The newest runs of every project, whatever its size: the board's cards come from these. */
const RECENT_RUNS = 1_000;
/** Out of every 20 of the recent runs: 11 completed, 2 failed, 1 cancelled, 2 running, 2 pending, 1 waiting, 1 paused. */
const STATUS_CYCLE = [
  ...Array<string>(11).fill('completed'),
  'failed',
  'failed',
  'cancelled',
  'running',
  'running',
  'pending',
  'pending',
  'waiting',
  'paused',
];
const ACTIVE = ['running', 'pending', 'waiting', 'paused'];
const PHASES = ['plan', 'build', 'review', 'ship'];

/** A query of the board's, for a project of `runs` runs: its URL and a check of the answer's size. */
interface Query {
  url: string;
  check(body: unknown): boolean;
}

function queriesFor(projectId: string, runs: number): Record<QueryName, Query> {
  const active = (RECENT_RUNS / STATUS_CYCLE.length) * STATUS_CYCLE.filter((s) => ACTIVE.includes(s)).length;
  const page = (total: number) => (body: unknown) => {
    const answer = body as { data: unknown[]; pagination: { total: number } };
    return answer.data.length === 50 && answer.pagination.total === total;
  };
  return {
    board: {
      url: `/api/board?project_id=${projectId}`,
      check: (body) => (body as { cards: unknown[] }).cards.length > 0,
    },
    active_runs: {
      url: `/api/workflow-executions?project_id=${projectId}&status=${ACTIVE.join(',')}&limit=50`,
      check: page(active),
    },
    page_in_the_middle: {
      url: `/api/workflow-executions?project_id=${projectId}&limit=50&offset=${runs / 2}`,
      check: page(runs),
    },
  };
}

const QUERY_NAMES = ['board', 'active_runs', 'page_in_the_middle'] as const;
type QueryName = (typeof QUERY_NAMES)[number];

/** Constants written into the SQL text rather than sent as parameters, so PostgreSQL never has to guess a type. */
const textArray = (values: string[]) => sql.raw(`array[${values.map((v) => `'${v}'`).join(',')}]`);
const int = (value: number) => sql.raw(String(value));

/** 3 templates, `runs` runs one minute apart (newest first), 3 completed steps each with a small JSON result. */
async function seed(database: BenchDatabase, projectId: string, runs: number): Promise<void> {
  const { db } = database.handle;
  await db.execute(sql`
    insert into workflow_definitions (project_id, identifier, name, type, path, content_hash, phases)
    select ${projectId}::uuid, 'bench-' || i, 'Bench ' || i, 'code', '.agent/workflows/definitions/bench-' || i || '.ts',
      'bench', ${JSON.stringify(PHASES)}::jsonb
    from generate_series(0, 2) as i`);
  await db.execute(sql`
    with definitions as (
      select id, row_number() over (order by identifier) - 1 as n from workflow_definitions where project_id = ${projectId}::uuid
    )
    insert into workflow_runs (project_id, workflow_definition_id, name, args, status, current_phase,
      current_step_index, error, started_at, completed_at, created_at, updated_at)
    select ${projectId}::uuid, definitions.id, 'Fix issue #' || i, jsonb_build_object('issue', i),
      status, (${textArray(PHASES)})[1 + i % ${int(PHASES.length)}], ${int(STEPS_PER_RUN)},
      case when status = 'failed' then 'step build failed: exit code 1' end,
      at, at + interval '30 seconds', at, at
    from generate_series(1, ${int(runs)}) as i
    join definitions on definitions.n = i % 3
    cross join lateral (select
      case when i <= ${int(RECENT_RUNS)} then (${textArray(STATUS_CYCLE)})[1 + i % ${int(STATUS_CYCLE.length)}]
           when i % 20 = 0 then 'cancelled' else 'completed' end as status,
      -- History starts two days back, out of the board's window of finished runs.
      now() - make_interval(mins => i) - case when i <= ${int(RECENT_RUNS)} then interval '0' else interval '2 days' end
        as at) as run`);
  await db.execute(sql`
    insert into workflow_run_steps (workflow_run_id, step_id, step_index, name, phase, type, status, output,
      started_at, finished_at)
    select r.id, 'step-' || s, s, 'Step ' || s, r.current_phase, 'function', 'completed',
      jsonb_build_object('status', 'completed', 'data', jsonb_build_object('summary', repeat('ok ', 40)),
        'attempts', 1, 'startedAt', r.created_at, 'finishedAt', r.created_at),
      r.created_at, r.created_at + interval '10 seconds'
    from workflow_runs r cross join generate_series(0, ${int(STEPS_PER_RUN - 1)}) as s
    where r.project_id = ${projectId}::uuid`);
}

/** Median and p99 of the request's wall time in the app, after a few untimed requests to warm its caches. */
async function timeRequests(app: FastifyInstance, query: Query): Promise<Distribution> {
  const durations: number[] = [];
  for (let i = 0; i < WARMUP_REQUESTS + REQUESTS; i++) {
    const started = performance.now();
    const response = await app.inject({ method: 'GET', url: query.url });
    const elapsed = performance.now() - started;
    // Checked outside the timing: a bench of a failing or empty answer would be a figure of nothing.
    if (response.statusCode !== 200 || !query.check(response.json())) {
      throw new Error(`GET ${query.url} answered ${response.statusCode}: ${response.body.slice(0, 300)}`);
    }
    if (i >= WARMUP_REQUESTS) durations.push(elapsed);
  }
  return distribution(durations);
}

type SizeFigures = Record<QueryName, Distribution>;
type Figures = Record<string, SizeFigures | number>;

async function measureBoard(database: BenchDatabase, log: (line: string) => void): Promise<Figures> {
  const projects: { runs: number; id: string }[] = [];
  const seedStarted = performance.now();
  for (const runs of SIZES) {
    log(`api: seeding ${runs} runs and ${runs * STEPS_PER_RUN} steps on ${database.kind}`);
    const id = await database.newProject(`board-${runs}`);
    await seed(database, id, runs);
    projects.push({ runs, id });
  }
  const { db } = database.handle;
  await db.execute(sql`analyze`);
  const seedSeconds = (performance.now() - seedStarted) / 1000;

  const bus = createEventBus();
  const app = await buildApp({
    database: database.handle,
    db,
    bus,
    runtime: await createWorkflowRuntime({ database: database.handle, bus }),
    wakeWorkers: () => {},
    defaultProjectId: projects[0]!.id,
  });
  try {
    const figures: Figures = {};
    for (const { runs, id } of projects) {
      const queries = queriesFor(id, runs);
      const size = {} as SizeFigures;
      for (const name of QUERY_NAMES) {
        log(`api: ${REQUESTS} × GET ${queries[name].url.split('?')[0]} (${name}) at ${runs} runs on ${database.kind}`);
        size[name] = await timeRequests(app, queries[name]);
      }
      figures[`runs_${runs}`] = size;
    }
    figures.seed_s = Number(seedSeconds.toFixed(1));
    return figures;
  } finally {
    await app.close();
  }
}

const at = (figures: Figures, runs: number) => figures[`runs_${runs}`] as SizeFigures;

/** Per query, its median at the largest project over its median at the smallest: 1 is flat. */
function growth(figures: Figures | Skipped) {
  if (isSkipped(figures)) return null;
  const [smallest, largest] = [SIZES[0]!, SIZES.at(-1)!];
  return Object.fromEntries(
    QUERY_NAMES.map((name) => [name, ratio(at(figures, largest)[name].median, at(figures, smallest)[name].median)]),
  );
}

export async function benchBoardQuery(databases: BenchDatabases, log: (line: string) => void) {
  const measureOn = async (database: BenchDatabase | Skipped) =>
    isSkipped(database) ? database : measureBoard(database, log);
  const pglite = await measureOn(databases.pglite);
  const postgres = await measureOn(databases.postgres);
  const middle = SIZES[1]!;
  return {
    'api.board_query_ms': {
      seeded:
        `${SIZES.join(' / ')} runs, a project each: the newest ${RECENT_RUNS} in a ${STATUS_CYCLE.length}-run cycle ` +
        '(55% completed, 10% failed, 5% cancelled, 10% running, 10% pending, 5% waiting, 5% paused), the rest ' +
        `history older than a day (95% completed, 5% cancelled); 4 phases; 3 templates; ${STEPS_PER_RUN} steps ` +
        'each, no comments or artifacts',
      requests: REQUESTS,
      pglite,
      postgres,
      ratio_100000_to_1000: { pglite: growth(pglite), postgres: growth(postgres) },
      ratio_pglite_to_postgres_at_10000:
        isSkipped(pglite) || isSkipped(postgres)
          ? null
          : Object.fromEntries(
              QUERY_NAMES.map((name) => [
                name,
                ratio(at(pglite, middle)[name].median, at(postgres, middle)[name].median),
              ]),
            ),
    },
  };
}
