/**
 * `engine.step_overhead_ms`: what the engine adds around a step that does nothing — journaling, events, lease
 * and control checks — measured as the duration of `ctx.step` for 1,000 no-op function steps, per store (300 on
 * the databases; `steps` says how many). Also: a step's cost early and late in one 1,000-step run on PostgreSQL
 * (`engine.step_cost_growth_postgres`), and the checkpoint bytes a run writes by its length
 * (`checkpoint.bytes_per_run`). `engine.script_step_ms` is a script step running `true` in this process — which
 * holds PGlite's heap by then — against spawning `true` from a bare Node process (`bare_node_spawn_floor`).
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createExecutor, createFileRunStore, createMemoryRunStore, defineWorkflow } from '@switchyard/workflow-engine';
import type { RunStore, WorkflowDefinition } from '@switchyard/workflow-engine';
import { definitionFromConfig } from '../packages/workflow-engine/src/parser/WorkflowDefinition.ts';
import { isSkipped } from './database.ts';
import type { BenchDatabases, Skipped } from './database.ts';
import { distribution, ratio } from './stats.ts';
import type { Distribution } from './stats.ts';

/** Steps per run on the databases; one run of 1,000 also measures whether a step costs more late in a run. */
const DATABASE_STEPS = 300;
const LONG_RUN_STEPS = 1_000;

async function timedDefinition(
  dir: string,
  steps: number,
  kind: 'function' | 'script',
  durations: number[],
): Promise<WorkflowDefinition> {
  const path = join(dir, 'bench.ts');
  await writeFile(path, '// bench template\n');
  const config = defineWorkflow({
    name: 'Bench',
    phases: ['bench'],
    async execute(ctx) {
      for (let i = 0; i < steps; i++) {
        const started = performance.now();
        if (kind === 'function') await ctx.step(`s${i}`, { phase: 'bench', run: () => null });
        else await ctx.step(`s${i}`, { phase: 'bench', command: ['/bin/true'] });
        durations.push(performance.now() - started);
      }
    },
  });
  return definitionFromConfig(config as never, { type: 'code', path, contentHash: 'bench' });
}

async function measure(options: {
  store: (dir: string) => RunStore;
  files: boolean;
  steps: number;
  kind: 'function' | 'script';
  /** Receives every step's duration, warm-up included. */
  durations?: number[];
  /** Told how many bytes the run's checkpoint files hold at its end. */
  checkpointBytes?: (bytes: number) => void;
}): Promise<Distribution> {
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-bench-'));
  try {
    const durations: number[] = options.durations ?? [];
    const definition = await timedDefinition(dir, options.steps, options.kind, durations);
    const executor = createExecutor({
      store: options.store(join(dir, 'executions')),
      executionsDir: options.files ? join(dir, 'executions') : undefined,
      workingDir: dir,
    });
    const run = await executor.run(definition, {});
    if (run.status !== 'completed') throw new Error(`bench run ended ${run.status}: ${run.error}`);
    if (options.checkpointBytes)
      options.checkpointBytes(await directoryBytes(join(dir, 'executions', run.id, 'checkpoints')));
    return distribution(durations.slice(Math.min(20, durations.length / 10)));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function directoryBytes(dir: string): Promise<number> {
  let total = 0;
  for (const name of await readdir(dir)) total += (await stat(join(dir, name))).size;
  return total;
}

/** What a run's checkpoint files add up to, by its length: linear growth is the goal, not the quadratic of old. */
async function checkpointBytesPerRun(): Promise<Record<string, number>> {
  const figures: Record<string, number> = {};
  for (const steps of [10, 100, 1_000]) {
    await measure({
      store: () => createMemoryRunStore(),
      files: true,
      steps,
      kind: 'function',
      checkpointBytes: (bytes) => (figures[`steps_${steps}`] = bytes),
    });
  }
  figures.ratio_1000_to_100 = ratio(figures.steps_1000!, figures.steps_100!);
  return figures;
}

/** A step's cost early and late in one long run on PostgreSQL: flat is the goal. */
async function stepCostGrowth(databases: BenchDatabases, log: (line: string) => void) {
  const database = databases.postgres;
  if (isSkipped(database)) return database;
  log(`engine: ${LONG_RUN_STEPS} no-op steps in one run on postgres (growth)`);
  const durations: number[] = [];
  const store = await database.runStore();
  await measure({ store: () => store, files: false, steps: LONG_RUN_STEPS, kind: 'function', durations });
  const first = distribution(durations.slice(20, 120));
  const last = distribution(durations.slice(-100));
  return { steps_20_to_120: first, last_100: last, ratio_last_to_first: ratio(last.median, first.median) };
}

/** Spawning `true` and waiting for it to close, `times` times, from a bare Node process: a script step's floor. */
function bareNodeSpawn(times: number): Distribution {
  const program = `
    const { spawn } = require('node:child_process');
    const once = () => new Promise((resolve) => {
      const started = performance.now();
      spawn('true', { stdio: ['ignore', 'pipe', 'pipe'], detached: true }).on('close', () => resolve(performance.now() - started));
    });
    (async () => { const d = []; for (let i = 0; i < ${times}; i++) d.push(await once()); console.log(JSON.stringify(d)); })();`;
  return distribution(JSON.parse(execFileSync(process.execPath, ['-e', program], { encoding: 'utf8' })) as number[]);
}

/** The step overhead with the database run store, in a project of its own; `steps` says how many were run. */
async function measureDatabase(
  databases: BenchDatabases,
  kind: keyof BenchDatabases,
  log: (line: string) => void,
): Promise<(Distribution & { steps: number }) | Skipped> {
  const database = databases[kind];
  if (isSkipped(database)) return database;
  log(`engine: ${DATABASE_STEPS} no-op steps on ${kind}`);
  const store = await database.runStore();
  const figure = await measure({ store: () => store, files: false, steps: DATABASE_STEPS, kind: 'function' });
  return { ...figure, steps: DATABASE_STEPS };
}

const ratioTo = (figure: Distribution | Skipped, base: Distribution) =>
  isSkipped(figure) ? null : ratio(figure.median, base.median);

export async function benchEngine(databases: BenchDatabases, log: (line: string) => void) {
  log('engine: in-memory, checkpoint files, file store, script steps');
  const memory = await measure({ store: () => createMemoryRunStore(), files: false, steps: 1000, kind: 'function' });
  const checkpointFiles = await measure({
    store: () => createMemoryRunStore(),
    files: true,
    steps: 1000,
    kind: 'function',
  });
  const fileStore = await measure({
    store: (dir) => createFileRunStore(dir),
    files: true,
    steps: 300,
    kind: 'function',
  });
  const scriptStep = await measure({ store: () => createMemoryRunStore(), files: false, steps: 100, kind: 'script' });
  const spawnFloor = bareNodeSpawn(100);
  // The database stores read the run's whole journal on every transition, so a step costs more the longer the run:
  // their ratios are to an in-memory run of as many steps, not to the 1,000-step figure above.
  const memoryAtDatabaseSteps = await measure({
    store: () => createMemoryRunStore(),
    files: false,
    steps: DATABASE_STEPS,
    kind: 'function',
  });
  const pglite = await measureDatabase(databases, 'pglite', log);
  const postgres = await measureDatabase(databases, 'postgres', log);
  const growth = await stepCostGrowth(databases, log);
  log('engine: checkpoint bytes per run of 10, 100 and 1,000 steps');
  const checkpointBytes = await checkpointBytesPerRun();
  return {
    'engine.step_cost_growth_postgres': growth,
    'checkpoint.bytes_per_run': checkpointBytes,
    'engine.step_overhead_ms': {
      in_memory: memory,
      checkpoint_files: checkpointFiles,
      file_store: fileStore,
      in_memory_at_database_steps: { ...memoryAtDatabaseSteps, steps: DATABASE_STEPS },
      pglite,
      postgres,
      ratio_checkpoint_files_vs_in_memory: ratio(checkpointFiles.median, memory.median),
      ratio_pglite_to_memory: ratioTo(pglite, memoryAtDatabaseSteps),
      ratio_postgres_to_memory: ratioTo(postgres, memoryAtDatabaseSteps),
      ratio_pglite_to_postgres: isSkipped(pglite) || isSkipped(postgres) ? null : ratio(pglite.median, postgres.median),
    },
    'engine.script_step_ms': {
      true_command: scriptStep,
      bare_node_spawn_floor: spawnFloor,
      ratio_vs_bare_node_spawn: ratio(scriptStep.median, spawnFloor.median),
    },
  };
}
