/**
 * A command line executing a run holds the embedded database for as long as the run goes; meanwhile it serves the
 * REST API on loopback and announces it in `server.json`, as `switchyard serve` does, so that `pause`, `cancel`,
 * `status` and `list` from other terminals (and the board) reach its runs. Nothing executes runs here but the
 * command itself, so requests that would make another run runnable are refused rather than left waiting.
 */
import { rm } from 'node:fs/promises';
import type { EventSink } from '@switchyard/workflow-engine';
import { writeFileAtomic } from '@switchyard/workflow-engine';
import { buildApp } from '../server/app.ts';
import type { DatabaseHandle } from '../server/db/connection.ts';
import { busEventSink } from '../server/domain/workflow/busEventSink.ts';
import { createWorkflowRuntime } from '../server/domain/workflow/workflowRuntime.ts';
import { ApiError } from '../server/http/apiError.ts';
import { serverFile } from '../server/serve.ts';
import { createEventBus } from '../server/websocket/memoryEventBus.ts';

export interface SharedApi {
  url: string;
  /** The engine's events for the API's WebSocket clients. */
  events: EventSink;
  close(): Promise<void>;
}

const EXECUTING_ROUTE = /^\/api\/workflow-executions(\/[^/?]+\/(resume|advance|rerun))?\/?(\?|$)/;

export async function shareRuns(database: DatabaseHandle, project: { id: string; dir: string }): Promise<SharedApi> {
  const bus = createEventBus();
  const { db } = database;
  const app = await buildApp({
    database,
    db,
    bus,
    runtime: createWorkflowRuntime({ db, bus }),
    wakeWorkers: () => undefined,
    defaultProjectId: project.id,
    token: process.env.SWITCHYARD_TOKEN || undefined,
  });
  const command = `switchyard ${process.argv.slice(2).join(' ')}`.trim();
  app.addHook('onRequest', async (request) => {
    if (request.method === 'POST' && EXECUTING_ROUTE.test(request.url)) {
      throw new ApiError(
        409,
        'not_a_server',
        `the project's database is held by \`${command}\` (process ${process.pid}), which executes only its own run; ` +
          'try again when it has finished, or start `switchyard serve` to execute several runs at once',
      );
    }
  });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  const file = serverFile(project.dir);
  try {
    await writeFileAtomic(
      file,
      JSON.stringify({ pid: process.pid, url, started_at: new Date().toISOString(), command }),
    );
  } catch (error) {
    await app.close();
    throw error;
  }
  return {
    url,
    events: busEventSink({ db, bus }, project.id),
    async close() {
      await rm(file, { force: true });
      await app.close();
    },
  };
}
