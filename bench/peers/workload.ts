/**
 * The workload both engines run in `peer.dbos`, each in a process of its own against the same PostgreSQL server:
 * a durable no-op step (300 in one workflow), a workflow of three no-op steps (start → completed, one at a time),
 * and the throughput of 1,000 such workflows started at once; all of it once untimed, then again measured. The
 * figures go to stdout as one JSON line.
 */
import { performance } from 'node:perf_hooks';
import { distribution } from '../stats.ts';
import type { Distribution } from '../stats.ts';

export const STEPS_IN_ONE_WORKFLOW = 300;
export const SEQUENTIAL_WORKFLOWS = 100;
export const THROUGHPUT_WORKFLOWS = 1_000;
/** Workflows in flight at once for the throughput figure: what a pool of that many workers would hold. */
export const CONCURRENCY = 20;

export interface WorkloadFigures {
  step_ms: Distribution;
  workflow_3_steps_ms: Distribution;
  throughput_per_s: number;
}

export interface Engine {
  /** Runs one workflow of `steps` no-op steps to completion, calling `onStep` with each step's duration. */
  run(steps: number, onStep?: (ms: number) => void): Promise<void>;
  close(): Promise<void>;
}

/** Runs `total` tasks with at most `limit` at once. */
async function pool(total: number, limit: number, task: () => Promise<void>): Promise<void> {
  let started = 0;
  const lane = async () => {
    while (started < total) {
      started++;
      await task();
    }
  };
  await Promise.all(Array.from({ length: limit }, lane));
}

export async function measureWorkload(engine: Engine): Promise<WorkloadFigures> {
  // The workload runs twice and the second time is measured: both engines are then timed as a long-running worker
  // runs, compiled by the JIT, connections open, statements prepared. A cold process's first thousands of steps
  // measured its start-up as much as its steps (Switchyard's steps took a third longer there).
  await runWorkload(engine);
  return runWorkload(engine);
}

async function runWorkload(engine: Engine): Promise<WorkloadFigures> {
  const steps: number[] = [];
  await engine.run(STEPS_IN_ONE_WORKFLOW, (ms) => steps.push(ms));
  const workflows: number[] = [];
  for (let i = 0; i < SEQUENTIAL_WORKFLOWS; i++) {
    const started = performance.now();
    await engine.run(3);
    workflows.push(performance.now() - started);
  }
  const started = performance.now();
  await pool(THROUGHPUT_WORKFLOWS, CONCURRENCY, () => engine.run(3));
  const seconds = (performance.now() - started) / 1000;
  return {
    step_ms: distribution(steps),
    workflow_3_steps_ms: distribution(workflows),
    throughput_per_s: Math.round((THROUGHPUT_WORKFLOWS / seconds) * 10) / 10,
  };
}
