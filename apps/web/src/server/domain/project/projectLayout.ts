/** Where a project keeps its Switchyard data: everything under `<project>/.agent/`. */
import { join, resolve } from 'node:path';

export interface ProjectLayout {
  dir: string;
  definitionsDir: string;
  executionsDir: string;
  /** The embedded database's data directory. */
  databaseDir: string;
  /**
   * Where the process holding the embedded database announces its API (`serve`, or a command line executing a
   * run), so that commands talk to it instead of opening the database.
   */
  serverFile: string;
  /**
   * Recorded agents (`SWITCHYARD_AGENTS=record|replay`): `SWITCHYARD_CASSETTES_DIR` (relative to the project) when
   * set, else `.agent/cassettes`.
   */
  cassettesDir: string;
}

export function projectLayout(dir: string): ProjectLayout {
  const projectDir = resolve(dir);
  return {
    dir: projectDir,
    definitionsDir: join(projectDir, '.agent', 'workflows', 'definitions'),
    executionsDir: join(projectDir, '.agent', 'workflows', 'executions'),
    databaseDir: join(projectDir, '.agent', 'db'),
    serverFile: join(projectDir, '.agent', 'db', 'server.json'),
    cassettesDir: resolve(projectDir, process.env.SWITCHYARD_CASSETTES_DIR || join('.agent', 'cassettes')),
  };
}
