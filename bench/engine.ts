/**
 * `engine.step_overhead_ms`: what the engine adds around a step that does nothing — journaling, events, lease
 * and control checks — measured as the duration of `ctx.step` for 1,000 no-op function steps, per store.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createExecutor, createFileRunStore, createMemoryRunStore, defineWorkflow } from '@switchyard/workflow-engine';
import type { RunStore, WorkflowDefinition } from '@switchyard/workflow-engine';
import { definitionFromConfig } from '../packages/workflow-engine/src/parser/WorkflowDefinition.ts';
import { distribution, ratio } from './stats.ts';
import type { Distribution } from './stats.ts';

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
}): Promise<Distribution> {
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-bench-'));
  try {
    const durations: number[] = [];
    const definition = await timedDefinition(dir, options.steps, options.kind, durations);
    const executor = createExecutor({
      store: options.store(join(dir, 'executions')),
      executionsDir: options.files ? join(dir, 'executions') : undefined,
      workingDir: dir,
    });
    const run = await executor.run(definition, {});
    if (run.status !== 'completed') throw new Error(`bench run ended ${run.status}: ${run.error}`);
    return distribution(durations.slice(Math.min(20, durations.length / 10)));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function spawnTrue(times: number): Distribution {
  const durations: number[] = [];
  for (let i = 0; i < times; i++) {
    const started = performance.now();
    spawnSync('/bin/true');
    durations.push(performance.now() - started);
  }
  return distribution(durations);
}

export async function benchEngine() {
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
  const spawnFloor = spawnTrue(100);
  return {
    'engine.step_overhead_ms': {
      in_memory: memory,
      checkpoint_files: checkpointFiles,
      file_store: fileStore,
      ratio_checkpoint_files_vs_in_memory: ratio(checkpointFiles.median, memory.median),
    },
    'engine.script_step_ms': {
      true_command: scriptStep,
      spawn_true_floor: spawnFloor,
      ratio_vs_spawn_floor: ratio(scriptStep.median, spawnFloor.median),
    },
  };
}
