/**
 * `runs.latency_ms` and `runs.throughput_per_s`: three-step no-op workflows executed by 1, 2 and 4
 * `switchyard worker` processes on one PostgreSQL, started through the API of a `switchyard serve --no-workers`,
 * as a scaled-out deployment runs them. Every process is a real one (the precompiled command line).
 *
 * - latency: one run at a time, from its POST to its `completed` event on the server's WebSocket — what a user
 *   starting a run sees, with the workers idle and warm (each has run the template before).
 * - throughput: 1,000 runs started while no worker runs, then the workers start; completions per second between
 *   the 10th and 90th percentile of their completion times, so that the workers' start-up and the last stragglers
 *   do not count. `span_s` is first start to last completion. `cpu_ms_per_run` is the CPU the workers, the
 *   server and PostgreSQL's processes (all of them: with anything else that server did meanwhile) used per run
 *   completed once every worker was up, and `machine_busy` the share of the machine's cores busy then (with
 *   anything else running on it): together they say whether the figure is bounded by the cores or by a process.
 * - `runs.start_per_s`: how fast the server starts the 1,000 runs through its API.
 */
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { startServerProcess, startWorkerProcess } from '../apps/web/test/switchyardProcesses.ts';
import type { SwitchyardProcess } from '../apps/web/test/switchyardProcesses.ts';
import { postgresSkipped, withFreshPostgres } from './freshDatabase.ts';
import { api, benchProject, noOpTemplate, projectAndTemplate, subscribe, until } from './switchyardServer.ts';
import type { EventFrame } from './switchyardServer.ts';
import { measureCpu } from './cpu.ts';
import { distribution, ratio, round } from './stats.ts';

const WORKER_COUNTS = [1, 2, 4];
const RUNS = 1_000;
const LATENCY_RUNS = 50;
const CONCURRENCY_PER_WORKER = 4;
/** Starts in flight at once while the 1,000 runs are created. */
const STARTING = 20;

async function stop(processes: SwitchyardProcess[]): Promise<void> {
  for (const { child } of processes) child.kill('SIGTERM');
  await Promise.all(processes.map((p) => p.exited));
}

export async function benchRuns(log: (line: string) => void) {
  const skipped = await postgresSkipped();
  if (skipped) return { 'runs.latency_ms': skipped, 'runs.throughput_per_s': skipped };
  const project = await benchProject({ 'three-steps.ts': noOpTemplate(3) });
  try {
    return await withFreshPostgres(async (url) => {
      const env = { DATABASE_URL: url };
      const server = await startServerProcess(project.dir, env, ['--no-workers']);
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      try {
        const { projectId, definitionId } = await projectAndTemplate(server.url, 'three-steps');
        // Completions seen, and who waits for one: a fast worker's may arrive before the POST has answered.
        const completed = new Set<string>();
        const waiting = new Map<string, () => void>();
        const socket = await subscribe(server.url, projectId, (event: EventFrame) => {
          if (event.type !== 'workflow.execution.status_changed' || event.data.status !== 'completed') return;
          completed.add(event.data.execution_id);
          waiting.get(event.data.execution_id)?.();
        });
        const completion = (runId: string) =>
          completed.has(runId) ? Promise.resolve() : new Promise<void>((resolve) => waiting.set(runId, resolve));
        const start = () =>
          api<{ id: string }>(server.url, 'POST', '/api/workflow-executions', {
            workflow_definition_id: definitionId,
            args: {},
          });
        const latency: Record<string, ReturnType<typeof distribution>> = {};
        const throughput: Record<string, object> = {};
        const rates: Record<number, number> = {};
        const starts: number[] = [];
        try {
          for (const workers of WORKER_COUNTS) {
            log(`runs: ${workers} worker process(es) — ${LATENCY_RUNS} runs one at a time`);
            let running = await Promise.all(
              Array.from({ length: workers }, () =>
                startWorkerProcess(env, ['--concurrency', String(CONCURRENCY_PER_WORKER)]),
              ),
            );
            // Warm: a worker's first run of a template waits for the template's inspection in a child process
            // (~0.6 s, once per worker and template); a burst of runs at once gives every worker its first.
            await Promise.all(
              Array.from({ length: workers * CONCURRENCY_PER_WORKER * 2 }, async () => completion((await start()).id)),
            );
            const durations: number[] = [];
            for (let i = 0; i < LATENCY_RUNS; i++) {
              const began = performance.now();
              await completion((await start()).id);
              durations.push(performance.now() - began);
            }
            latency[`workers_${workers}`] = distribution(durations);
            await stop(running);

            log(`runs: ${workers} worker process(es) — ${RUNS} runs started, then the workers`);
            const ids: string[] = [];
            const startsBegan = performance.now();
            for (let i = 0; i < RUNS; i += STARTING) {
              const batch = await Promise.all(Array.from({ length: Math.min(STARTING, RUNS - i) }, start));
              ids.push(...batch.map((run) => run.id));
            }
            starts.push(RUNS / ((performance.now() - startsBegan) / 1000));
            running = await Promise.all(
              Array.from({ length: workers }, () =>
                startWorkerProcess(env, ['--concurrency', String(CONCURRENCY_PER_WORKER)]),
              ),
            );
            // From when every worker is up: the CPU each part spent per run completed meanwhile.
            const measuredFrom = new Date();
            const cpu = measureCpu({ workers: running.map((w) => w.child.pid!), server: [server.child.pid!] });
            await until(
              async () => {
                const { rows } = await admin.query<{ n: number }>(
                  `select count(*)::int as n from workflow_runs where id = any($1::uuid[]) and status = 'completed'`,
                  [ids],
                );
                return rows[0]!.n === RUNS;
              },
              `${RUNS} runs to complete`,
              600_000,
            );
            const reading = cpu.stop();
            const { rows: measured } = await admin.query<{ n: number }>(
              `select count(*)::int as n from workflow_runs where id = any($1::uuid[]) and completed_at >= $2`,
              [ids, measuredFrom],
            );
            const { rows } = await admin.query<{ first: number; p10: number; p90: number; last: number }>(
              `select extract(epoch from min(started_at))::float8 as first,
                      extract(epoch from percentile_disc(0.1) within group (order by completed_at))::float8 as p10,
                      extract(epoch from percentile_disc(0.9) within group (order by completed_at))::float8 as p90,
                      extract(epoch from max(completed_at))::float8 as last
               from workflow_runs where id = any($1::uuid[])`,
              [ids],
            );
            const { first, p10, p90, last } = rows[0]!;
            rates[workers] = round((0.8 * RUNS) / (p90 - p10));
            const perRun = (ms: number) => round(ms / measured[0]!.n);
            throughput[`workers_${workers}`] = {
              per_s: rates[workers],
              span_s: round(last - first),
              cpu_ms_per_run: reading && {
                workers: perRun(reading.ms.workers!),
                server: perRun(reading.ms.server!),
                postgres: perRun(reading.ms.postgres!),
              },
              machine_busy: reading?.machine_busy ?? null,
            };
            await stop(running);
          }
        } finally {
          socket.close();
        }
        const rate = (workers: number) => rates[workers]!;
        return {
          'runs.latency_ms': {
            workload: `a three-step no-op workflow, one at a time, POST → completed event on the server's WebSocket`,
            ...latency,
          },
          'runs.throughput_per_s': {
            workload: `${RUNS} three-step no-op workflows; ${CONCURRENCY_PER_WORKER} runs at once per worker process`,
            ...throughput,
            scaling_2_vs_1: ratio(rate(2), rate(1)),
            scaling_4_vs_1: ratio(rate(4), rate(1)),
          },
          'runs.start_per_s': {
            workload: `POST /api/workflow-executions, ${STARTING} in flight, to one serve --no-workers`,
            median: round([...starts].sort((a, b) => a - b)[Math.floor(starts.length / 2)]!),
            rounds: starts.map((rate) => round(rate)),
          },
        };
      } finally {
        await admin.end();
        await stop([server]);
      }
    });
  } finally {
    await project.remove();
  }
}
