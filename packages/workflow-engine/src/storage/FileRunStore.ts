import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RunNotFoundError } from '../errors.ts';
import type { RunStore } from '../ports.ts';
import { writeFileAtomic } from './atomicFile.ts';
import { withFileLock } from './fileLock.ts';
import type { RunState } from './runState.ts';
import { createStateRunStore, systemClock } from './stateRunStore.ts';
import type { Clock, RunStateRepository } from './stateRunStore.ts';

export const RUN_STATE_FILE = 'state.json';

/**
 * Runs and journals as files beside each run's execution directory (`executions/{id}/state.json`), safe across
 * processes through a lock file per run. The store of the command line until a database is configured.
 */
export function createFileRunStore(executionsDir: string, options: { clock?: Clock } = {}): RunStore {
  const stateFile = (runId: string) => join(executionsDir, runId, RUN_STATE_FILE);
  const lockFile = (runId: string) => join(executionsDir, runId, '.state.lock');

  async function read(runId: string): Promise<RunState | undefined> {
    if (!/^[\w-]+$/.test(runId)) return undefined;
    try {
      return JSON.parse(await readFile(stateFile(runId), 'utf8')) as RunState;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  const repo: RunStateRepository = {
    async insert(state) {
      await withFileLock(lockFile(state.run.id), async () => {
        if (await read(state.run.id)) throw new Error(`run ${state.run.id} already exists`);
        await writeFileAtomic(stateFile(state.run.id), JSON.stringify(state));
      });
    },
    read,
    async ids() {
      const entries = await readdir(executionsDir, { withFileTypes: true }).catch(() => []);
      const runs: { id: string; createdAt: string }[] = [];
      for (const entry of entries) {
        if (!entry.isDirectory()) continue;
        const state = await read(entry.name).catch(() => undefined);
        if (state) runs.push({ id: state.run.id, createdAt: state.run.createdAt });
      }
      return runs.sort((a, b) => a.createdAt.localeCompare(b.createdAt)).map((r) => r.id);
    },
    async update(runId, change) {
      // Checked first so that a bad id never creates a directory for its lock.
      if (!(await read(runId))) throw new RunNotFoundError(runId);
      return withFileLock(lockFile(runId), async () => {
        const state = await read(runId);
        if (!state) throw new RunNotFoundError(runId);
        const result = change(state);
        await writeFileAtomic(stateFile(runId), JSON.stringify(state));
        return result;
      });
    },
  };
  return createStateRunStore(repo, options.clock ?? systemClock);
}
