/**
 * Opening a project's runs for a command. PGlite is one process per data directory, so the way in depends
 * on who holds it:
 *
 * 1. `DATABASE_URL` set: PostgreSQL, opened here; any number of processes share it.
 * 2. `<project>/.agent/db/server.json` names a live process whose URL answers `/api/health`: that process's
 *    HTTP API (a `switchyard serve`, or a command line executing a run, which shares its runs this way).
 * 3. Otherwise the embedded database, opened here and locked until the command ends.
 *
 * Each way is imported when it is taken: a command through a server loads no database driver, and one on the
 * database no HTTP client.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { DataDirLockedError } from '../errors.ts';
import type { OpenDatabaseOptions } from '../server/db/connection.ts';
import type { Io } from './io.ts';
import type { Project } from './project.ts';
import type { ProjectRuns } from './projectRuns.ts';

/** How long a command waits for a process that just took the embedded database to announce its API. */
const LOCKED_WAIT_MS = 5_000;

async function openHere(options: OpenDatabaseOptions, project: Project, io: Io): Promise<ProjectRuns> {
  const [{ openDatabase }, { openDatabaseRuns }] = await Promise.all([
    import('../server/db/connection.ts'),
    import('./databaseRuns.ts'),
  ]);
  return openDatabaseRuns(await openDatabase(options), project, io);
}

async function openProjectRuns(project: Project, io: Io): Promise<ProjectRuns> {
  const url = process.env.DATABASE_URL || undefined;
  if (url) return openHere({ url }, project, io);
  const { findServer } = await import('./serverClient.ts');
  const deadline = Date.now() + LOCKED_WAIT_MS;
  for (;;) {
    const server = await findServer(project.dir);
    if (server) return (await import('./serverRuns.ts')).serverRuns(server, project, io);
    try {
      return await openHere({ dataDir: project.databaseDir }, project, io);
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
