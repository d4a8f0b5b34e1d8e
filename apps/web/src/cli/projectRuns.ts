/**
 * A project's runs as the commands reach them. PGlite is one process per data directory, so the way in depends
 * on who holds it:
 *
 * 1. `DATABASE_URL` set: PostgreSQL, opened here; any number of processes share it.
 * 2. `<project>/.agent/db/server.json` names a live process whose URL answers `/api/health`: that process's
 *    HTTP API (a `switchyard serve`, or a command line executing a run, which shares its runs this way).
 * 3. Otherwise the embedded database, opened here and locked until the command ends.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { RunStatus, WorkflowDefinition } from '@switchyard/workflow-engine';
import { openDatabase } from '../server/db/connection.ts';
import { DataDirLockedError } from '../server/db/dataDirLock.ts';
import type { Io } from './command.ts';
import { openDatabaseRuns } from './databaseRuns.ts';
import type { Project } from './project.ts';
import type { RunView } from './runView.ts';
import type { ForegroundOptions } from './runtime.ts';
import { findServer } from './serverClient.ts';
import { serverRuns } from './serverRuns.ts';

/** One line of `switchyard list`. */
export interface RunSummary {
  id: string;
  name: string;
  template: string;
  status: RunStatus;
  phase: string | null;
  created_at: string;
}

/**
 * The commands' port onto runs. The commands that execute (start, resume, advance, rerun) return the exit code
 * for the status the run stopped at, having reported it.
 */
export interface ProjectRuns {
  start(
    definition: WorkflowDefinition,
    args: Record<string, unknown>,
    name: string | undefined,
    output: ForegroundOptions,
  ): Promise<number>;
  resume(runId: string, output: ForegroundOptions): Promise<number>;
  advance(runId: string, output: ForegroundOptions): Promise<number>;
  rerun(runId: string, phase: string, output: ForegroundOptions): Promise<number>;
  /** Asks for a pause; answers the run's status afterwards (`paused` only if it took effect at once). */
  pause(runId: string, now: boolean): Promise<RunStatus>;
  cancel(runId: string): Promise<RunStatus>;
  view(runId: string): Promise<RunView>;
  /** Newest first. */
  list(status: RunStatus | undefined): Promise<RunSummary[]>;
  /** Ctrl-C: pauses the run this command executes or follows, if any; false when there is none. */
  interrupt(): boolean;
  close(): Promise<void>;
}

/** How long a command waits for a process that just took the embedded database to announce its API. */
const LOCKED_WAIT_MS = 5_000;

async function openProjectRuns(project: Project, io: Io): Promise<ProjectRuns> {
  const url = process.env.DATABASE_URL || undefined;
  if (url) return openDatabaseRuns(await openDatabase({ url }), project, io);
  const deadline = Date.now() + LOCKED_WAIT_MS;
  for (;;) {
    const server = await findServer(project.dir);
    if (server) return serverRuns(server, project, io);
    try {
      return await openDatabaseRuns(await openDatabase({ dataDir: project.databaseDir }), project, io);
    } catch (error) {
      // The holder may be a command that has opened the database but not yet started sharing it.
      if (!(error instanceof DataDirLockedError) || Date.now() > deadline) throw error;
      await sleep(250);
    }
  }
}

/**
 * Opens the project's runs for `use` and always closes them — after an error, and on Ctrl-C too: the first
 * pauses the run being executed or followed (it stays resumable), a second, or one with no run, quits at once.
 */
export async function withProjectRuns<T>(project: Project, io: Io, use: (runs: ProjectRuns) => Promise<T>): Promise<T> {
  const runs = await openProjectRuns(project, io);
  let interrupts = 0;
  const onSignal = () => {
    interrupts++;
    if (interrupts > 2) process.exit(130); // a third: closing hangs, so quit without it
    if (interrupts === 1 && runs.interrupt()) return;
    void runs
      .close()
      .catch(() => undefined)
      .finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await use(runs);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await runs.close();
  }
}
