/**
 * `api.board_query_ms`: the board's query through the real app (`app.inject`, no socket) on a project holding
 * 10,000 runs, on PGlite and PostgreSQL. The runs are seeded with `insert … select generate_series` — one statement
 * per table, seconds rather than minutes — and no worker pool runs, so nothing changes them while they are read.
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

const RUNS = 10_000;
const STEPS_PER_RUN = 3;
const REQUESTS = 50;
const WARMUP_REQUESTS = 5;

/** Out of every 20 runs: 11 completed, 2 failed, 1 cancelled, 2 running, 2 pending, 1 waiting, 1 paused. */
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

const QUERIES = {
  active_runs: {
    url: `/api/workflow-executions?status=${ACTIVE.join(',')}&limit=50`,
    total: (RUNS / STATUS_CYCLE.length) * STATUS_CYCLE.filter((s) => ACTIVE.includes(s)).length,
  },
  page_at_offset_5000: { url: '/api/workflow-executions?limit=50&offset=5000', total: RUNS },
};

type QueryName = keyof typeof QUERIES;

/** Constants written into the SQL text rather than sent as parameters, so PostgreSQL never has to guess a type. */
const textArray = (values: string[]) => sql.raw(`array[${values.map((v) => `'${v}'`).join(',')}]`);
const int = (value: number) => sql.raw(String(value));

/** 3 templates, 10,000 runs one minute apart (newest first), 3 completed steps each with a small JSON result. */
async function seed(database: BenchDatabase, projectId: string): Promise<void> {
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
      (${textArray(STATUS_CYCLE)})[1 + i % ${int(STATUS_CYCLE.length)}],
      (${textArray(PHASES)})[1 + i % ${int(PHASES.length)}],
      ${int(STEPS_PER_RUN)},
      case when (${textArray(STATUS_CYCLE)})[1 + i % ${int(STATUS_CYCLE.length)}] = 'failed'
        then 'step build failed: exit code 1' end,
      now() - make_interval(mins => i), now() - make_interval(mins => i) + interval '30 seconds',
      now() - make_interval(mins => i), now() - make_interval(mins => i)
    from generate_series(1, ${int(RUNS)}) as i join definitions on definitions.n = i % 3`);
  await db.execute(sql`
    insert into workflow_run_steps (workflow_run_id, step_id, step_index, name, phase, type, status, output,
      started_at, finished_at)
    select r.id, 'step-' || s, s, 'Step ' || s, r.current_phase, 'function', 'completed',
      jsonb_build_object('status', 'completed', 'data', jsonb_build_object('summary', repeat('ok ', 40)),
        'attempts', 1, 'startedAt', r.created_at, 'finishedAt', r.created_at),
      r.created_at, r.created_at + interval '10 seconds'
    from workflow_runs r cross join generate_series(0, ${int(STEPS_PER_RUN - 1)}) as s
    where r.project_id = ${projectId}::uuid`);
  await db.execute(sql`analyze`);
}

/** Median and p99 of the request's wall time in the app, after a few untimed requests to warm its caches. */
async function timeRequests(app: FastifyInstance, query: { url: string; total: number }): Promise<Distribution> {
  const durations: number[] = [];
  for (let i = 0; i < WARMUP_REQUESTS + REQUESTS; i++) {
    const started = performance.now();
    const response = await app.inject({ method: 'GET', url: query.url });
    const elapsed = performance.now() - started;
    // Checked outside the timing: a bench of a failing or empty answer would be a figure of nothing.
    const page = response.json() as { data: unknown[]; pagination: { total: number } };
    if (response.statusCode !== 200 || page.data.length !== 50 || page.pagination.total !== query.total) {
      throw new Error(`GET ${query.url} answered ${response.statusCode}: ${response.body.slice(0, 300)}`);
    }
    if (i >= WARMUP_REQUESTS) durations.push(elapsed);
  }
  return distribution(durations);
}

async function measureBoard(
  database: BenchDatabase,
  log: (line: string) => void,
): Promise<Record<QueryName, Distribution> & { seed_s: number }> {
  const projectId = await database.newProject('board');
  log(`api: seeding ${RUNS} runs and ${RUNS * STEPS_PER_RUN} steps on ${database.kind}`);
  const seedStarted = performance.now();
  await seed(database, projectId);
  const seedSeconds = (performance.now() - seedStarted) / 1000;

  const { db } = database.handle;
  const bus = createEventBus();
  const app = await buildApp({
    database: database.handle,
    db,
    bus,
    runtime: await createWorkflowRuntime({ database: database.handle, bus }),
    wakeWorkers: () => {},
    defaultProjectId: projectId,
  });
  try {
    const figures = {} as Record<QueryName, Distribution>;
    for (const name of Object.keys(QUERIES) as QueryName[]) {
      log(`api: ${REQUESTS} × GET ${QUERIES[name].url} on ${database.kind}`);
      figures[name] = await timeRequests(app, QUERIES[name]);
    }
    return {
      ...figures,
      seed_s: Number(seedSeconds.toFixed(1)),
    };
  } finally {
    await app.close();
  }
}

export async function benchBoardQuery(databases: BenchDatabases, log: (line: string) => void) {
  const measureOn = async (database: BenchDatabase | Skipped) =>
    isSkipped(database) ? database : measureBoard(database, log);
  const pglite = await measureOn(databases.pglite);
  const postgres = await measureOn(databases.postgres);
  const ratioOf = (query: QueryName) =>
    isSkipped(pglite) || isSkipped(postgres) ? null : ratio(pglite[query].median, postgres[query].median);
  return {
    'api.board_query_ms': {
      seeded:
        `${RUNS} runs in one project (${STATUS_CYCLE.length}-run cycle: 55% completed, 10% failed, 5% cancelled, ` +
        `10% running, 10% pending, 5% waiting, 5% paused; 4 phases; 3 templates), ${STEPS_PER_RUN} steps each, ` +
        'no comments or artifacts',
      requests: REQUESTS,
      pglite,
      postgres,
      ratio_pglite_to_postgres: {
        active_runs: ratioOf('active_runs'),
        page_at_offset_5000: ratioOf('page_at_offset_5000'),
      },
    },
  };
}
