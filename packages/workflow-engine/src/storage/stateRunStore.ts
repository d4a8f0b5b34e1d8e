/**
 * A `RunStore` over any place that can hold {@link RunState} objects and update one atomically. The memory
 * and file stores differ only in that place; every rule lives in `runState.ts`.
 */
import { RunNotFoundError } from '../errors.ts';
import type { RunStore } from '../ports.ts';
import * as transitions from './runState.ts';
import type { RunState } from './runState.ts';

export interface RunStateRepository {
  insert(state: RunState): Promise<void>;
  read(runId: string): Promise<RunState | undefined>;
  /** Every run id, oldest first. */
  ids(): Promise<string[]>;
  /**
   * Applies `change` to the run's state atomically. Transitions check before they mutate, so a change that
   * throws has written nothing. `reads` says which journal records the change looks at, so a repository that
   * loads state from a database need not load the whole journal for every step; others may ignore it.
   */
  update<T>(runId: string, change: (state: RunState) => T, reads?: JournalScope): Promise<T>;
}

/** The journal records a change reads: none, one step id's records, or all of them (the default). */
export type JournalScope = { journal: 'none' } | { journal: 'step'; stepId: string } | { journal: 'all' };

const RUN_ONLY: JournalScope = { journal: 'none' };
const ofStep = (stepId: string): JournalScope => ({ journal: 'step', stepId });

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

const copy = <T>(value: T): T => structuredClone(value);

export function createStateRunStore(repo: RunStateRepository, clock: Clock = systemClock): RunStore {
  const nowMs = () => clock.now().getTime();

  async function readOrThrow(runId: string): Promise<RunState> {
    const state = await repo.read(runId);
    if (!state) throw new RunNotFoundError(runId);
    return state;
  }

  const store: RunStore = {
    async createRun(input) {
      const state = transitions.newRunState(input, clock.now());
      await repo.insert(state);
      return copy(state.run);
    },
    async getRun(runId) {
      const state = await repo.read(runId);
      return state && copy(state.run);
    },
    async listRuns(filter = {}) {
      const runs = [];
      for (const id of await repo.ids()) {
        const state = await repo.read(id);
        if (!state) continue;
        if (filter.status && !filter.status.includes(state.run.status)) continue;
        if (filter.definitionId && state.run.definitionId !== filter.definitionId) continue;
        runs.push(copy(state.run));
      }
      return runs;
    },

    async claimRun(runId, owner, ttlMs) {
      return repo.update(
        runId,
        (state) => {
          const previousStatus = state.run.status;
          const lease = transitions.claim(state, owner, ttlMs, nowMs());
          return lease && { run: copy(state.run), lease, previousStatus };
        },
        RUN_ONLY,
      );
    },
    async claimNextRun(owner, ttlMs) {
      for (const id of await repo.ids()) {
        const claimed = await repo.update(
          id,
          (state) => {
            const previousStatus = state.run.status;
            const lease = transitions.claim(state, owner, ttlMs, nowMs());
            return lease && { run: copy(state.run), lease, previousStatus };
          },
          RUN_ONLY,
        );
        if (claimed) return claimed;
      }
      return undefined;
    },
    async nextWakeAt() {
      let soonest: number | undefined;
      for (const id of await repo.ids()) {
        const wakeAt = (await repo.read(id))?.run.wakeAt;
        if (wakeAt) soonest = Math.min(soonest ?? Infinity, Date.parse(wakeAt));
      }
      return soonest;
    },
    async renewLease(runId, lease, ttlMs) {
      return repo.update(runId, (state) => transitions.renew(state, lease, ttlMs, nowMs()), RUN_ONLY);
    },
    async releaseLease(runId, lease) {
      await repo.update(runId, (state) => transitions.release(state, lease), RUN_ONLY);
    },

    async updateRun(runId, lease, progress) {
      return repo.update(
        runId,
        (state) => {
          transitions.applyProgress(state, lease, progress, clock.now());
          return copy(state.run);
        },
        RUN_ONLY,
      );
    },

    async getJournal(runId, options = {}) {
      const state = await readOrThrow(runId);
      const records = options.includeInvalidated ? state.journal : transitions.activeJournal(state);
      return copy(records);
    },
    async startStep(runId, lease, start, progress) {
      return repo.update(
        runId,
        (state) => copy(transitions.startStep(state, lease, start, clock.now(), progress)),
        ofStep(start.stepId),
      );
    },
    async updateStep(runId, lease, stepId, update) {
      return repo.update(runId, (state) => copy(transitions.updateStep(state, lease, stepId, update)), ofStep(stepId));
    },
    async recordStep(runId, lease, start, outcome, progress) {
      return repo.update(
        runId,
        (state) => copy(transitions.recordStep(state, lease, start, outcome, progress, clock.now())),
        ofStep(start.stepId),
      );
    },
    async finishStep(runId, lease, stepId, outcome, progress) {
      return repo.update(
        runId,
        (state) => copy(transitions.finishStep(state, lease, stepId, outcome, progress, clock.now())),
        ofStep(stepId),
      );
    },

    async requestPause(runId, mode) {
      return repo.update(
        runId,
        (state) => {
          transitions.requestPause(state, mode, nowMs());
          return copy(state.run);
        },
        RUN_ONLY,
      );
    },
    async requestCancel(runId) {
      return repo.update(runId, (state) => {
        transitions.requestCancel(state, nowMs());
        return copy(state.run);
      });
    },
    async resumeRun(runId) {
      return repo.update(
        runId,
        (state) => {
          transitions.resume(state);
          return copy(state.run);
        },
        RUN_ONLY,
      );
    },
    async answerInput(runId, stepId, values) {
      return repo.update(
        runId,
        (state) => {
          transitions.answerInput(state, stepId, values, clock.now());
          return copy(state.run);
        },
        ofStep(stepId),
      );
    },
    async deliverEvent(runId, stepId, event) {
      return repo.update(
        runId,
        (state) => {
          transitions.deliverEvent(state, stepId, event, clock.now());
          return copy(state.run);
        },
        ofStep(stepId),
      );
    },
    async approveGate(runId, phase) {
      return repo.update(
        runId,
        (state) => {
          transitions.approveGate(state, phase);
          return copy(state.run);
        },
        RUN_ONLY,
      );
    },
    async invalidatePhases(runId, phases) {
      return repo.update(runId, (state) => {
        transitions.invalidatePhases(state, phases, clock.now());
        return copy(state.run);
      });
    },

    async addComment(input) {
      return repo.update(input.runId, (state) => copy(transitions.addComment(state, input, clock.now())));
    },
    async listComments(runId) {
      return copy((await readOrThrow(runId)).comments);
    },
  };
  return store;
}
