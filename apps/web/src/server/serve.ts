/**
 * Starting Switchyard's server: database (embedded PGlite in `<project>/.agent/db/`, or PostgreSQL with a URL),
 * the project and its templates, events, the worker pool, then HTTP. `close()` undoes it in reverse.
 */
import { rm } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import { prepareStepLauncher, writeFileAtomic } from '@switchyard/workflow-engine';
import { ServeRefusedError } from '../errors.ts';
import { buildApp } from './app.ts';
import { allowedHostNames } from './http/requestGuards.ts';
import { openDatabase } from './db/connection.ts';
import type { DatabaseHandle } from './db/connection.ts';
import { ensureProject } from './domain/project/services/ensureProject.ts';
import { projectLayout } from './domain/project/projectLayout.ts';
import { syncTemplates, watchTemplates } from './domain/workflow-definition/services/syncTemplates.ts';
import { createWorkflowRuntime } from './domain/workflow/workflowRuntime.ts';
import type { WorkflowRuntimeOptions } from './domain/workflow/workflowRuntime.ts';
import { bridgeEventBus } from './websocket/crossProcess.ts';
import { createEventBus } from './websocket/memoryEventBus.ts';
import { onRunnable, runnableSignal } from './workers/runnableSignal.ts';
import { startWorkerPool } from './workers/workerPool.ts';
import type { LogLevel } from './logLevels.ts';

export interface ServeOptions {
  projectDir: string;
  port?: number;
  host?: string;
  /** `postgres://…`; without it the embedded database in the project's `.agent/db/`. */
  databaseUrl?: string;
  /** An open database to use instead (tests); the server closes it with itself. */
  database?: DatabaseHandle;
  concurrency?: number;
  /** On close, how long running steps may go on before they are stopped for the next process to resume. */
  shutdownGraceMs?: number;
  /** False: HTTP and WebSocket only, while `switchyard worker` processes execute the runs (PostgreSQL only). */
  workers?: boolean;
  token?: string;
  /** Host names to answer to besides loopback and the bound address (`--allowed-host`). */
  allowedHosts?: string[];
  maxUploadBytes?: number;
  /** pino's level for the request and error log on stdout; `silent` (the default here) writes none. */
  logLevel?: LogLevel;
  /** Engine tuning, for tests. */
  runtime?: Partial<Pick<WorkflowRuntimeOptions, 'agents' | 'leaseTtlMs' | 'controlPollMs' | 'retryBaseDelayMs'>>;
  log?: (line: string) => void;
}

export interface RunningServer {
  url: string;
  app: FastifyInstance;
  database: DatabaseHandle;
  projectId: string;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const log = options.log ?? (() => undefined);
  if (!LOOPBACK.has(host) && !options.token) {
    throw new ServeRefusedError(
      `refusing to listen on ${host} without a token: anyone who can reach it could run commands on this machine. ` +
        'Set SWITCHYARD_TOKEN (clients then send Authorization: Bearer <token>), or listen on 127.0.0.1',
    );
  }
  const withWorkers = options.workers ?? true;
  if (!withWorkers && !options.databaseUrl && options.database?.kind !== 'postgres') {
    throw new ServeRefusedError(
      '--no-workers needs DATABASE_URL: on the embedded database this server is the only process that can execute runs',
    );
  }
  const layout = projectLayout(options.projectDir);
  // Before the embedded database's heap makes every fork of this process slow: script steps spawn from the launcher.
  if (withWorkers) prepareStepLauncher();
  const database =
    options.database ??
    (await openDatabase(options.databaseUrl ? { url: options.databaseUrl } : { dataDir: layout.databaseDir }));
  const cleanups: (() => Promise<unknown> | unknown)[] = [() => database.close()];
  const closeAll = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  };
  try {
    const { db } = database;
    const project = await ensureProject({ db }, layout.dir);
    const synced = await syncTemplates({ db }, project);
    log(
      `templates: ${synced.valid.length} valid${synced.invalid.length ? `, ${synced.invalid.length} invalid (${synced.invalid.join(', ')})` : ''}`,
    );
    cleanups.push(watchTemplates({ db }, project));

    const bridge = await bridgeEventBus(createEventBus(), database);
    cleanups.push(() => bridge.close());
    const runtime = await createWorkflowRuntime({ database, bus: bridge.bus, ...options.runtime });
    if (runtime.recovered > 0) log(`recovering ${runtime.recovered} run(s) left running by a stopped server`);
    if (runtime.reaped > 0) log(`killed ${runtime.reaped} step process(es) left behind by a stopped server`);
    const workers = withWorkers ? startWorkerPool(runtime, { concurrency: options.concurrency }) : undefined;
    if (workers) cleanups.push(() => workers.stop(options.shutdownGraceMs));
    if (workers) cleanups.push(await onRunnable(database, () => workers.wake()));
    const signalRunnable = runnableSignal(database);

    const app = await buildApp({
      database,
      db,
      bus: bridge.bus,
      runtime,
      // The pool here, and on PostgreSQL the workers of every other process.
      wakeWorkers: () => {
        workers?.wake();
        signalRunnable();
      },
      defaultProjectId: project.id,
      token: options.token,
      allowedHosts: allowedHostNames(host, options.allowedHosts),
      maxUploadBytes: options.maxUploadBytes,
      logger: { level: options.logLevel ?? 'silent' },
    });
    cleanups.push(() => app.close());
    const address = await app.listen({ port: options.port ?? 4400, host });
    const url = address.replace('[::1]', 'localhost');
    if (database.kind === 'pglite' && !options.database) {
      await writeFileAtomic(
        layout.serverFile,
        JSON.stringify({ pid: process.pid, url, project_id: project.id, started_at: new Date().toISOString() }),
      );
      cleanups.push(() => rm(layout.serverFile, { force: true }));
    }
    log(
      `switchyard listening on ${url} — project ${project.name} (${layout.dir}), database ${database.kind} ${database.location}`,
    );
    return { url, app, database, projectId: project.id, close: closeAll };
  } catch (error) {
    await closeAll().catch(() => undefined);
    throw error;
  }
}
