/**
 * A command line executing a run holds the embedded database for as long as the run goes; meanwhile it serves the
 * REST API and WebSocket on loopback, over its own runtime, and announces them in `server.json` as
 * `switchyard serve` does, so that `pause`, `cancel`, `status` and `list` from other terminals (and the board)
 * reach its runs. Nothing executes runs here but the command itself, so requests that would make another run
 * runnable are refused rather than left waiting.
 */
import { rm } from 'node:fs/promises';
import { writeFileAtomic } from '@switchyard/workflow-engine';
import { ConflictError } from '../errors.ts';
import { buildApp } from '../server/app.ts';
import type { DatabaseHandle } from '../server/db/connection.ts';
import type { WorkflowRuntime } from '../server/domain/workflow/workflowRuntime.ts';
import { serverFile } from '../server/serve.ts';

export interface SharedApi {
  url: string;
  close(): Promise<void>;
}

const EXECUTING_ROUTE = /^\/api\/workflow-executions(\/[^/?]+\/(resume|advance|rerun))?\/?(\?|$)/;

export async function shareRuns(
  database: DatabaseHandle,
  runtime: WorkflowRuntime,
  project: { id: string; path: string },
): Promise<SharedApi> {
  const app = await buildApp({
    database,
    db: database.db,
    bus: runtime.bus,
    runtime,
    wakeWorkers: () => undefined,
    defaultProjectId: project.id,
    token: process.env.SWITCHYARD_TOKEN || undefined,
  });
  const command = `switchyard ${process.argv.slice(2).join(' ')}`.trim();
  app.addHook('onRequest', async (request) => {
    if (request.method === 'POST' && EXECUTING_ROUTE.test(request.url)) {
      throw new ConflictError(
        'not_a_server',
        `the project's database is held by \`${command}\` (process ${process.pid}), which executes only its own run; ` +
          'try again when it has finished, or start `switchyard serve` to execute several runs at once',
      );
    }
  });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  const file = serverFile(project.path);
  try {
    await writeFileAtomic(
      file,
      JSON.stringify({ pid: process.pid, url, project_id: project.id, started_at: new Date().toISOString(), command }),
    );
  } catch (error) {
    await app.close();
    throw error;
  }
  return {
    url,
    async close() {
      await rm(file, { force: true });
      await app.close();
    },
  };
}
