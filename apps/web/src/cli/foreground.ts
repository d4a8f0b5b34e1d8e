/**
 * Executing a run in the foreground of the command line, on the shared runtime: printing its events as they are
 * published, and waiting out the lease of a worker that died.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { WorkflowDefinition, WorkflowExecutor, WorkflowRun } from '@switchyard/workflow-engine';
import { UsageError } from '../errors.ts';
import type { EventBus } from '../server/websocket/eventBus.ts';
import { followPrinter } from './follow.ts';
import { progressWriter } from './io.ts';
import type { Io, OutputOptions } from './io.ts';
import { reportRun, runViewFromStore } from './runView.ts';

export interface Foreground {
  executor: WorkflowExecutor;
  bus: EventBus;
  projectId: string;
  leaseTtlMs: number;
}

/** With --follow, prints the run's events from the bus while `work` goes on. */
export async function printingEvents<T>(
  on: { bus: EventBus; projectId: string },
  runId: () => string | undefined,
  io: Io,
  options: OutputOptions,
  work: () => Promise<T>,
): Promise<T> {
  if (!options.follow) return work();
  const print = followPrinter(progressWriter(io, options));
  const unsubscribe = on.bus.subscribe(on.projectId, (event) => {
    if (event.data.execution_id === runId()) print(event);
  });
  try {
    return await work();
  } finally {
    unsubscribe();
  }
}

/**
 * Executes a run here until it stops, then reports it. Waits for the lease of a worker that died (its lease runs
 * out within the lease time); gives up if a live worker keeps renewing it.
 */
export async function executeInForeground(
  foreground: Foreground,
  runId: string,
  definition: WorkflowDefinition,
  io: Io,
  options: OutputOptions,
): Promise<number> {
  const { executor } = foreground;
  const progressOut = progressWriter(io, options);
  const started = Date.now();
  const run = await printingEvents(
    foreground,
    () => runId,
    io,
    options,
    async () => {
      let current = await executor.execute(runId, definition);
      const deadline = Date.now() + foreground.leaseTtlMs + 2_000;
      while (isHeldElsewhere(current) && Date.now() < deadline) {
        if (options.follow)
          progressOut.write(`run ${runId} is held by ${current.lease?.owner}; waiting for its lease…\n`);
        await sleep(Math.max(100, Math.min(1_000, (current.lease?.expiresAt ?? 0) - Date.now() + 50)));
        current = await executor.execute(runId, definition);
      }
      return current;
    },
  );
  if (isHeldElsewhere(run)) {
    throw new UsageError(`run ${runId} is being executed by ${run.lease?.owner}; pause or cancel it from here instead`);
  }
  return reportRun(await runViewFromStore(executor.store, run), io, options, Date.now() - started);
}

function isHeldElsewhere(run: WorkflowRun): boolean {
  return (run.status === 'running' || run.status === 'pending') && run.lease !== null;
}
