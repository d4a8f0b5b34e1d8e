import type { AppDatabase } from '../../../db/connection.ts';
import type { EventBus } from '../../../websocket/eventBus.ts';
import type { WorkflowRuntime } from '../workflowRuntime.ts';

/** What the run services need: the database, the bus, the engine, and a way to tell the workers there is work. */
export interface WorkflowServiceDeps {
  db: AppDatabase;
  bus: EventBus;
  runtime: WorkflowRuntime;
  /** Asks the worker pool to look for runnable runs now. */
  wakeWorkers(): void;
}
