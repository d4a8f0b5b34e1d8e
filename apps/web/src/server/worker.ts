/**
 * `switchyard worker`: a process that only executes runs — no HTTP — against a PostgreSQL database that servers
 * and other workers share. It claims runs of every project with `FOR UPDATE SKIP LOCKED`, and its events reach the
 * servers' WebSocket clients through LISTEN/NOTIFY. A project's files (templates, logs, artifacts) are read and
 * written at the project's path, so every process must see the same file system there.
 */
import { ServeRefusedError } from '../errors.ts';
import { openDatabase } from './db/connection.ts';
import type { DatabaseHandle } from './db/connection.ts';
import { createWorkflowRuntime } from './domain/workflow/workflowRuntime.ts';
import type { WorkflowRuntimeOptions } from './domain/workflow/workflowRuntime.ts';
import { bridgeEventBus } from './websocket/crossProcess.ts';
import { createEventBus } from './websocket/memoryEventBus.ts';
import { onRunnable } from './workers/runnableSignal.ts';
import { startWorkerPool } from './workers/workerPool.ts';

export interface WorkerOptions {
  /** `postgres://…`: required, since the embedded database belongs to the one server that opened it. */
  databaseUrl?: string;
  /** An open database to use instead (tests); the worker closes it with itself. */
  database?: DatabaseHandle;
  concurrency?: number;
  /** On close, how long running steps may go on before they are stopped for the next process to resume. */
  shutdownGraceMs?: number;
  runtime?: Partial<
    Pick<WorkflowRuntimeOptions, 'agents' | 'leaseTtlMs' | 'controlPollMs' | 'retryBaseDelayMs' | 'workerId'>
  >;
  log?: (line: string) => void;
}

export interface RunningWorker {
  workerId: string;
  /** Stops claiming, lets the runs executing here reach a boundary, and closes the database. */
  close(): Promise<void>;
}

export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  if (!options.database && !options.databaseUrl) {
    throw new ServeRefusedError(
      'switchyard worker needs DATABASE_URL=postgres://…: on the embedded database, `switchyard serve` executes the runs',
    );
  }
  const database = options.database ?? (await openDatabase({ url: options.databaseUrl! }));
  // Its events go to the servers; it has no WebSocket clients to receive theirs for.
  const bridge = await bridgeEventBus(createEventBus(), database, { receive: false });
  const runtime = await createWorkflowRuntime({ database, bus: bridge.bus, ...options.runtime });
  const pool = startWorkerPool(runtime, { concurrency: options.concurrency });
  const unlisten = await onRunnable(database, () => pool.wake());
  options.log?.(`switchyard worker ${runtime.workerId} executing runs from ${database.location}`);
  return {
    workerId: runtime.workerId,
    async close() {
      await unlisten();
      await pool.stop(options.shutdownGraceMs);
      await bridge.close();
      await database.close();
    },
  };
}
