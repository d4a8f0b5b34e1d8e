import { RunNotFoundError } from '../errors.ts';
import type { RunStore } from '../ports.ts';
import type { RunState } from './runState.ts';
import { createStateRunStore, systemClock } from './stateRunStore.ts';
import type { Clock, RunStateRepository } from './stateRunStore.ts';

export interface MemoryRunStore extends RunStore {
  /** Loads a run's whole state, e.g. one rebuilt from checkpoint files. */
  importRun(state: RunState): void;
}

/** Runs and journals in this process's memory: for tests, benchmarks and one-shot runs. */
export function createMemoryRunStore(options: { clock?: Clock } = {}): MemoryRunStore {
  const states = new Map<string, RunState>();
  const repo: RunStateRepository = {
    async insert(state) {
      if (states.has(state.run.id)) throw new Error(`run ${state.run.id} already exists`);
      states.set(state.run.id, structuredClone(state));
    },
    async read(runId) {
      return states.get(runId);
    },
    async ids() {
      return [...states.keys()];
    },
    async update(runId, change) {
      const state = states.get(runId);
      if (!state) throw new RunNotFoundError(runId);
      return change(state);
    },
  };
  return {
    ...createStateRunStore(repo, options.clock ?? systemClock),
    importRun(state) {
      states.set(state.run.id, structuredClone(state));
    },
  };
}
