/**
 * A command line executing a run holds the embedded database for as long as the run goes; meanwhile it serves the
 * REST API and WebSocket on loopback, over its own runtime, and announces them in `server.json` as
 * `switchyard serve` does, so that `pause`, `cancel`, `status` and `list` from other terminals (and the board)
 * reach its runs. Nothing executes runs here but the command itself, so requests that would make another run
 * runnable are refused rather than left waiting.
 *
 * The port is taken and announced at once, but the API behind it is built at its first connection: most runs are
 * never asked about from elsewhere, and building the API (Fastify, the routes, the WebSocket server) costs more
 * than a short run takes. Connections wait, unread, until it is ready.
 */
import { rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { writeFileAtomic } from '@switchyard/workflow-engine';
import { ConflictError } from '../errors.ts';
import type { DatabaseHandle } from '../server/db/connection.ts';
import { projectLayout } from '../server/domain/project/projectLayout.ts';
import type { WorkflowRuntime } from '../server/domain/workflow/workflowRuntime.ts';

export interface SharedApi {
  url: string;
  /** Whether a connection has come, so the API was built (tests and the bench read it). */
  readonly built: boolean;
  close(): Promise<void>;
}

const EXECUTING_ROUTE = /^\/api\/workflow-executions(\/[^/?]+\/(resume|advance|rerun|input))?\/?(\?|$)/;

async function buildSharedApp(
  database: DatabaseHandle,
  runtime: WorkflowRuntime,
  project: { id: string; path: string },
  command: string,
): Promise<FastifyInstance> {
  const { buildApp } = await import('../server/app.ts');
  const app = await buildApp({
    database,
    db: database.db,
    bus: runtime.bus,
    runtime,
    wakeWorkers: () => undefined,
    defaultProjectId: project.id,
    token: process.env.SWITCHYARD_TOKEN || undefined,
  });
  app.addHook('onRequest', async (request) => {
    if (request.method === 'POST' && EXECUTING_ROUTE.test(request.url)) {
      throw new ConflictError(
        'not_a_server',
        `the project's database is held by \`${command}\` (process ${process.pid}), which executes only its own run; ` +
          'try again when it has finished, or start `switchyard serve` to execute several runs at once',
      );
    }
  });
  await app.ready();
  return app;
}

export async function shareRuns(
  database: DatabaseHandle,
  runtime: WorkflowRuntime,
  project: { id: string; path: string },
): Promise<SharedApi> {
  const command = `switchyard ${process.argv.slice(2).join(' ')}`.trim();
  let app: Promise<FastifyInstance> | undefined;
  // The API's HTTP server never listens itself, so it does not track these for closing: this does.
  const sockets = new Set<Socket>();
  const front = createServer({ pauseOnConnect: true }, (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    app ??= buildSharedApp(database, runtime, project, command);
    app.then(
      (built) => {
        built.server.emit('connection', socket);
        socket.resume();
      },
      () => socket.destroy(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    front.once('error', reject);
    front.listen(0, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${(front.address() as AddressInfo).port}`;
  const file = projectLayout(project.path).serverFile;
  const closeFront = () => new Promise<void>((resolve) => front.close(() => resolve()));
  try {
    await writeFileAtomic(
      file,
      JSON.stringify({ pid: process.pid, url, project_id: project.id, started_at: new Date().toISOString(), command }),
    );
  } catch (error) {
    await closeFront();
    throw error;
  }
  return {
    url,
    get built() {
      return app !== undefined;
    },
    async close() {
      await rm(file, { force: true });
      const closed = closeFront();
      const built = await app?.catch(() => undefined);
      await built?.close();
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
