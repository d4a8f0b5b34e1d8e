/**
 * The contract every `RunStore` must meet. Each implementation runs it, building its store on the clock it is
 * handed, so that leases expire when the suite moves that clock rather than after real waits:
 *
 * ```ts
 * runStoreContract('PGlite', async ({ clock }) => ({ store: await openStore({ clock }), cleanup: () => close() }));
 * ```
 */
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidTransitionError } from '../errors.ts';
import type { RunStore } from '../ports.ts';
import type { Clock } from '../storage/stateRunStore.ts';
import type { StepResult } from '../types/step.ts';
import type { Lease } from '../types/workflow.ts';
import { createTestClock } from './testClock.ts';
import type { TestClock } from './testClock.ts';

export interface RunStoreFixture {
  store: RunStore;
  cleanup?: () => Promise<void> | void;
}

/** Builds a fresh store for one test; the store must read the time from `clock` and nothing else. */
export type RunStoreFactory = (options: { clock: Clock }) => Promise<RunStoreFixture> | RunStoreFixture;

const TTL = 60_000;

function result(data: unknown, status: StepResult['status'] = 'completed'): StepResult {
  const at = new Date().toISOString();
  return { status, data, attempts: 1, startedAt: at, finishedAt: at };
}

export function runStoreContract(name: string, factory: RunStoreFactory): void {
  describe(`RunStore contract: ${name}`, () => {
    let fixtures: RunStoreFixture[] = [];
    async function open(): Promise<{ store: RunStore; clock: TestClock }> {
      const clock = createTestClock();
      const fixture = await factory({ clock });
      fixtures.push(fixture);
      return { store: fixture.store, clock };
    }
    afterEach(async () => {
      for (const fixture of fixtures) await fixture.cleanup?.();
      fixtures = [];
    });

    async function claimedRun(store: RunStore, owner = 'worker-a') {
      const run = await store.createRun({ definitionId: 'demo', name: 'Demo run', args: { n: 1 } });
      const lease = (await store.claimRun(run.id, owner, TTL))!.lease;
      expect(lease).toMatchObject({ owner, epoch: 1 });
      return { run, lease };
    }

    async function journalStep(
      store: RunStore,
      runId: string,
      lease: Lease,
      stepId: string,
      index: number,
      phase = 'build',
    ) {
      await store.startStep(runId, lease, {
        stepId,
        index,
        name: stepId,
        phase,
        type: 'function',
        input: null,
        attempt: 1,
      });
      return store.finishStep(
        runId,
        lease,
        stepId,
        { status: 'completed', result: result({ stepId }), error: null },
        { currentStepIndex: index + 1 },
      );
    }

    describe('runs', () => {
      it('creates a pending run that reads back with its args', async () => {
        const { store } = await open();
        const run = await store.createRun({ definitionId: 'demo', name: 'Demo run', args: { n: 1, list: ['a'] } });
        expect(run).toMatchObject({
          definitionId: 'demo',
          name: 'Demo run',
          status: 'pending',
          currentPhase: null,
          epoch: 0,
        });
        expect(await store.getRun(run.id)).toMatchObject({ id: run.id, args: { n: 1, list: ['a'] } });
      });

      it('answers undefined for an unknown run and refuses to change one', async () => {
        const { store } = await open();
        expect(await store.getRun('00000000-0000-4000-8000-000000000000')).toBeUndefined();
        await expect(store.requestPause('00000000-0000-4000-8000-000000000000', 'boundary')).rejects.toMatchObject({
          code: 'run_not_found',
        });
      });

      it('lists runs filtered by status and template', async () => {
        const { store } = await open();
        const a = await store.createRun({ definitionId: 'one', name: 'a', args: {} });
        await store.createRun({ definitionId: 'two', name: 'b', args: {} });
        await store.requestPause(a.id, 'boundary');
        expect((await store.listRuns({ status: ['paused'] })).map((r) => r.id)).toEqual([a.id]);
        expect((await store.listRuns({ definitionId: 'two' })).map((r) => r.name)).toEqual(['b']);
        expect((await store.listRuns()).map((r) => r.name).sort()).toEqual(['a', 'b']);
      });
    });

    describe('leases', () => {
      it('creates a run already claimed and running when asked, which no other worker can take', async () => {
        const { store } = await open();
        const run = await store.createRun({
          definitionId: 'demo',
          name: 'claimed',
          args: {},
          claim: { owner: 'starter', ttlMs: TTL },
        });
        expect(run).toMatchObject({ status: 'running', epoch: 1, lease: { owner: 'starter', epoch: 1 } });
        expect(run.startedAt).not.toBeNull();
        expect(await store.getRun(run.id)).toEqual(run);
        expect(await store.claimRun(run.id, 'other', TTL)).toBeUndefined();
        expect(await store.claimNextRun('other', TTL)).toBeUndefined();
        // Its lease fences like any claim's.
        const step = await store.startStep(run.id, run.lease!, {
          stepId: 'first',
          index: 0,
          name: 'first',
          phase: 'build',
          type: 'function',
          attempt: 1,
          input: null,
        });
        expect(step.status).toBe('running');
      });

      it('lets exactly one of many concurrent claimers take a run', async () => {
        const { store } = await open();
        const run = await store.createRun({ definitionId: 'demo', name: 'r', args: {} });
        const claims = await Promise.all(Array.from({ length: 10 }, (_, i) => store.claimRun(run.id, `w${i}`, TTL)));
        const won = claims.filter((claim) => claim !== undefined);
        expect(won).toHaveLength(1);
        expect((await store.getRun(run.id))?.lease).toEqual(won[0]!.lease);
        // The claim answers the run as it stands after it, lease included: running, from pending.
        expect(won[0]!.run).toEqual(await store.getRun(run.id));
        expect(won[0]).toMatchObject({ run: { status: 'running' }, previousStatus: 'pending' });
        expect(won[0]!.run.startedAt).not.toBeNull();
      });

      it('hands each runnable run to one worker when workers claim the next run concurrently', async () => {
        const { store } = await open();
        for (let i = 0; i < 5; i++) await store.createRun({ definitionId: 'demo', name: `r${i}`, args: {} });
        const claims = await Promise.all(Array.from({ length: 8 }, (_, i) => store.claimNextRun(`w${i}`, TTL)));
        const names = claims.filter((c) => c !== undefined).map((c) => c.run.name);
        expect(names.sort()).toEqual(['r0', 'r1', 'r2', 'r3', 'r4']);
      });

      it('hands out the oldest runnable run first, a sleeping run once it is due among them', async () => {
        const { store, clock } = await open();
        const sleeper = await claimedRun(store);
        await store.updateRun(sleeper.run.id, sleeper.lease, {
          status: 'waiting',
          wakeAt: new Date(clock.now().getTime() + 1_000).toISOString(),
        });
        const queued = [];
        for (const name of ['first', 'second']) {
          clock.advance(1);
          queued.push(await store.createRun({ definitionId: 'demo', name, args: {} }));
        }
        const next = async () => (await store.claimNextRun('w', TTL))?.run.id;
        expect(await next()).toBe(queued[0]!.id);
        clock.advance(1_000);
        expect(await next()).toBe(sleeper.run.id);
        expect(await next()).toBe(queued[1]!.id);
        // All three are running under live leases now.
        expect(await next()).toBeUndefined();
      });

      it('lets another worker claim a run once its lease expired, and fences the old holder out', async () => {
        const { store, clock } = await open();
        const run = await store.createRun({ definitionId: 'demo', name: 'r', args: {} });
        const old = (await store.claimRun(run.id, 'old', TTL))!.lease;
        expect(old).toEqual({ owner: 'old', epoch: 1, expiresAt: clock.now().getTime() + TTL });
        clock.advance(TTL - 1);
        expect(await store.claimRun(run.id, 'new', TTL)).toBeUndefined();
        clock.advance(1);
        const fresh = (await store.claimRun(run.id, 'new', TTL))!.lease;
        expect(fresh).toEqual({ owner: 'new', epoch: 2, expiresAt: clock.now().getTime() + TTL });
        await expect(store.updateRun(run.id, old, { status: 'running' })).rejects.toMatchObject({ code: 'lease_lost' });
        await expect(
          store.startStep(run.id, old, {
            stepId: 's',
            index: 0,
            name: 's',
            phase: 'p',
            type: 'function',
            input: null,
            attempt: 1,
          }),
        ).rejects.toMatchObject({ code: 'lease_lost' });
        await expect(store.renewLease(run.id, old, TTL)).rejects.toMatchObject({ code: 'lease_lost' });
        await expect(store.updateRun(run.id, fresh, { status: 'running' })).resolves.toMatchObject({
          status: 'running',
        });
      });

      it('marks a run recovered when it is claimed while running, at the step it stood at', async () => {
        const { store, clock } = await open();
        const run = await store.createRun({ definitionId: 'demo', name: 'r', args: {} });
        const first = (await store.claimRun(run.id, 'first', TTL))!;
        expect(first.run).toMatchObject({ recoveredAt: null, recoveredAtStep: null });
        await store.updateRun(run.id, first.lease, { currentStepIndex: 3 });
        clock.advance(TTL);
        const again = (await store.claimRun(run.id, 'second', TTL))!;
        expect(again.run).toMatchObject({ recoveredAt: clock.now().toISOString(), recoveredAtStep: 3 });
        expect(again.previousStatus).toBe('running');
        expect(await store.getRun(run.id)).toMatchObject({
          recoveredAt: clock.now().toISOString(),
          recoveredAtStep: 3,
        });
      });

      it('renews a lease from the time of the renewal, and releases it', async () => {
        const { store, clock } = await open();
        const { run, lease } = await claimedRun(store);
        clock.advance(1_000);
        const renewed = await store.renewLease(run.id, lease, TTL);
        expect(renewed).toEqual({ ...lease, expiresAt: lease.expiresAt + 1_000 });
        await store.releaseLease(run.id, renewed);
        expect((await store.getRun(run.id))?.lease).toBeNull();
        expect((await store.claimRun(run.id, 'other', TTL))?.lease).toMatchObject({ owner: 'other', epoch: 2 });
      });

      it('hands out the oldest runnable run first', async () => {
        const { store, clock } = await open();
        const names = ['first', 'second', 'third'];
        for (const name of names) {
          await store.createRun({ definitionId: 'demo', name, args: {} });
          clock.advance(1_000);
        }
        const claimed = [];
        for (const owner of ['w1', 'w2', 'w3']) claimed.push((await store.claimNextRun(owner, TTL))?.run.name);
        expect(claimed).toEqual(names);
      });

      it('hands out a running run as the next run once its lease expired, and not before', async () => {
        const { store, clock } = await open();
        const { run, lease } = await claimedRun(store, 'dying');
        await store.updateRun(run.id, lease, { status: 'running' });
        clock.advance(TTL - 1);
        expect(await store.claimNextRun('heir', TTL)).toBeUndefined();
        clock.advance(1);
        expect(await store.claimNextRun('heir', TTL)).toMatchObject({
          run: { id: run.id, status: 'running' },
          lease: { owner: 'heir', epoch: 2, expiresAt: clock.now().getTime() + TTL },
        });
      });

      it('does not hand out paused, waiting or finished runs', async () => {
        const { store } = await open();
        const { run, lease } = await claimedRun(store);
        await store.updateRun(run.id, lease, { status: 'completed' });
        const paused = await store.createRun({ definitionId: 'demo', name: 'p', args: {} });
        await store.requestPause(paused.id, 'boundary');
        expect(await store.claimNextRun('w', TTL)).toBeUndefined();
      });
    });

    describe('sleeping runs', () => {
      it('lets a sleeping run go and hands it out once its wake time has come, and not before', async () => {
        const { store, clock } = await open();
        const { run, lease } = await claimedRun(store);
        const wakeAt = new Date(clock.now().getTime() + 5_000).toISOString();
        const sleeping = await store.updateRun(run.id, lease, { status: 'waiting', wakeAt });
        expect(sleeping).toMatchObject({ status: 'waiting', wakeAt, lease: null });
        expect(await store.nextWakeAt()).toBe(Date.parse(wakeAt));
        clock.advance(4_999);
        expect(await store.claimNextRun('w', TTL)).toBeUndefined();
        expect(await store.claimRun(run.id, 'w', TTL)).toBeUndefined();
        clock.advance(1);
        const woken = await store.claimNextRun('w', TTL);
        // Taken up, it is running, and no run to wake any more.
        expect(woken).toMatchObject({
          run: { id: run.id, status: 'running', wakeAt: null },
          lease: { owner: 'w', epoch: 2 },
          previousStatus: 'waiting',
        });
        expect(await store.claimNextRun('other', TTL)).toBeUndefined();
        expect(await store.nextWakeAt()).toBeUndefined();
      });

      it('answers the soonest wake time of all sleeping runs', async () => {
        const { store, clock } = await open();
        const times = [30_000, 10_000, 20_000];
        for (const ms of times) {
          const { run, lease } = await claimedRun(store);
          await store.updateRun(run.id, lease, {
            status: 'waiting',
            wakeAt: new Date(clock.now().getTime() + ms).toISOString(),
          });
        }
        expect(await store.nextWakeAt()).toBe(clock.now().getTime() + 10_000);
      });

      it("journals a person's answer as the input step's result and makes the run runnable, once", async () => {
        const { store } = await open();
        const { run, lease } = await claimedRun(store);
        await store.startStep(run.id, lease, {
          stepId: 'ask',
          index: 0,
          name: 'ask',
          phase: 'build',
          type: 'input',
          input: { prompt: 'Go?' },
          attempt: 1,
        });
        await store.updateRun(run.id, lease, { status: 'waiting' });
        const answered = await store.answerInput(run.id, 'ask', { go: true });
        expect(answered).toMatchObject({ status: 'pending', currentStepIndex: 1 });
        const [record] = await store.getJournal(run.id);
        expect(record).toMatchObject({ status: 'completed', result: { status: 'completed', data: { go: true } } });
        await expect(store.answerInput(run.id, 'ask', { go: false })).rejects.toThrow(InvalidTransitionError);
      });

      it("journals an event as the event step's result and makes the run runnable, once", async () => {
        const { store } = await open();
        const { run, lease } = await claimedRun(store);
        await store.startStep(run.id, lease, {
          stepId: 'hook',
          index: 0,
          name: 'hook',
          phase: 'build',
          type: 'event',
          input: { event: 'deployed' },
          attempt: 1,
        });
        await store.updateRun(run.id, lease, { status: 'waiting' });
        const event = { id: 'e1', name: 'deployed', data: { env: 'prod' }, receivedAt: '2026-01-01T00:00:00.000Z' };
        expect(await store.deliverEvent(run.id, 'hook', event)).toMatchObject({ status: 'pending' });
        expect((await store.getJournal(run.id))[0]).toMatchObject({ status: 'completed', result: { data: event } });
        await expect(store.deliverEvent(run.id, 'hook', event)).rejects.toThrow(InvalidTransitionError);
        // An event step is not an input step, nor the other way round.
        await expect(store.answerInput(run.id, 'hook', {})).rejects.toThrow(InvalidTransitionError);
      });

      it('cancels a sleeping run at once, and it never wakes', async () => {
        const { store, clock } = await open();
        const { run, lease } = await claimedRun(store);
        await store.updateRun(run.id, lease, { status: 'waiting', wakeAt: clock.now().toISOString() });
        expect(await store.requestCancel(run.id)).toMatchObject({ status: 'cancelled', wakeAt: null });
        expect(await store.claimNextRun('w', TTL)).toBeUndefined();
        expect(await store.nextWakeAt()).toBeUndefined();
      });
    });

    describe('journal', () => {
      it('journals steps in call order with their results', async () => {
        const { store } = await open();
        const { run, lease } = await claimedRun(store);
        await journalStep(store, run.id, lease, 'first', 0);
        await store.startStep(run.id, lease, {
          stepId: 'second',
          index: 1,
          name: 'Second',
          phase: 'test',
          type: 'script',
          input: { command: 'true' },
          attempt: 1,
        });
        const journal = await store.getJournal(run.id);
        expect(journal.map((r) => [r.stepId, r.status])).toEqual([
          ['first', 'completed'],
          ['second', 'running'],
        ]);
        expect(journal[0]?.result?.data).toEqual({ stepId: 'first' });
        expect(journal[1]).toMatchObject({ name: 'Second', phase: 'test', type: 'script', input: { command: 'true' } });
        expect((await store.getRun(run.id))?.currentStepIndex).toBe(1);
      });

      it("moves the run's progress in the same write as a started step", async () => {
        const { store } = await open();
        const { run, lease } = await claimedRun(store);
        const record = await store.startStep(
          run.id,
          lease,
          { stepId: 'plan', index: 0, name: 'plan', phase: 'plan', type: 'function', input: null, attempt: 1 },
          { currentStepIndex: 0, currentPhase: 'plan' },
        );
        expect(record).toMatchObject({ stepId: 'plan', status: 'running' });
        expect(await store.getRun(run.id)).toMatchObject({ currentPhase: 'plan', currentStepIndex: 0 });
      });

      it('keeps an agent session id on the record, through a restart of the step', async () => {
        const { store } = await open();
        const { run, lease } = await claimedRun(store);
        await store.startStep(run.id, lease, {
          stepId: 'agent',
          index: 0,
          name: 'a',
          phase: 'p',
          type: 'agent',
          input: null,
          attempt: 1,
        });
        await store.updateStep(run.id, lease, 'agent', { agentSessionId: 'sess-1' });
        await store.updateStep(run.id, lease, 'agent', { status: 'pending' });
        const restarted = await store.startStep(run.id, lease, {
          stepId: 'agent',
          index: 0,
          name: 'a',
          phase: 'p',
          type: 'agent',
          input: null,
          attempt: 2,
        });
        expect(restarted).toMatchObject({ status: 'running', attempt: 2, agentSessionId: 'sess-1' });
        expect(await store.getJournal(run.id)).toEqual([restarted]);
      });

      it('refuses to restart a completed step', async () => {
        const { store } = await open();
        const { run, lease } = await claimedRun(store);
        await journalStep(store, run.id, lease, 'done', 0);
        await expect(
          store.startStep(run.id, lease, {
            stepId: 'done',
            index: 0,
            name: 'done',
            phase: 'p',
            type: 'function',
            input: null,
            attempt: 2,
          }),
        ).rejects.toMatchObject({ code: 'step_already_final', runId: run.id, stepId: 'done', status: 'completed' });
      });

      it("records a step that had no start record, final, with the run's progress in the same write", async () => {
        const { store } = await open();
        const { run, lease } = await claimedRun(store);
        const start = {
          stepId: 'fn',
          index: 0,
          name: 'Fn',
          phase: 'build',
          type: 'function' as const,
          input: { target: 'web', files: ['a.ts'] },
          attempt: 1,
        };
        const recorded = await store.recordStep(
          run.id,
          lease,
          start,
          { status: 'completed', result: result({ n: 7 }), error: null },
          { currentStepIndex: 1, currentPhase: 'build' },
        );
        expect(recorded).toMatchObject({ stepId: 'fn', name: 'Fn', status: 'completed', attempt: 1, index: 0 });
        expect(recorded.result?.data).toEqual({ n: 7 });
        // The record a write answers is the one the journal reads back.
        expect(await store.getJournal(run.id)).toEqual([recorded]);
        expect(recorded.finishedAt).not.toBeNull();
        expect(await store.getRun(run.id)).toMatchObject({ currentStepIndex: 1, currentPhase: 'build' });
        await expect(
          store.recordStep(
            run.id,
            lease,
            { ...start, attempt: 2 },
            { status: 'completed', result: result(null), error: null },
          ),
        ).rejects.toMatchObject({ code: 'step_already_final', stepId: 'fn', status: 'completed' });
      });

      it('replaces an unfinished record when a step is recorded final', async () => {
        const { store } = await open();
        const { run, lease } = await claimedRun(store);
        const start = {
          stepId: 's',
          index: 0,
          name: 's',
          phase: 'p',
          type: 'script' as const,
          input: null,
          attempt: 1,
        };
        await store.startStep(run.id, lease, start);
        await store.updateStep(run.id, lease, 's', { status: 'pending' });
        const failed = { ...result(null), status: 'failed' as const, error: { message: 'boom' } };
        await store.recordStep(
          run.id,
          lease,
          { ...start, attempt: 2 },
          { status: 'failed', result: failed, error: { message: 'boom' } },
        );
        const journal = await store.getJournal(run.id, { includeInvalidated: true });
        expect(journal.map((r) => [r.stepId, r.status, r.error?.message])).toEqual([['s', 'failed', 'boom']]);
      });

      it('refuses to record a step under a lease another worker has taken over', async () => {
        const { store, clock } = await open();
        const { run, lease } = await claimedRun(store);
        clock.advance(TTL);
        await store.claimRun(run.id, 'worker-b', TTL);
        await expect(
          store.recordStep(
            run.id,
            lease,
            { stepId: 'late', index: 0, name: 'late', phase: 'p', type: 'function', input: null, attempt: 1 },
            { status: 'completed', result: result(null), error: null },
          ),
        ).rejects.toMatchObject({ code: 'lease_lost', runId: run.id });
        expect(await store.getJournal(run.id)).toEqual([]);
      });

      it('refuses to update or finish a step the journal holds no record of', async () => {
        const { store } = await open();
        const { run, lease } = await claimedRun(store);
        await expect(store.updateStep(run.id, lease, 'ghost', { attempt: 2 })).rejects.toMatchObject({
          code: 'journal_record_not_found',
          runId: run.id,
          stepId: 'ghost',
        });
        await expect(
          store.finishStep(run.id, lease, 'ghost', { status: 'completed', result: result(null), error: null }),
        ).rejects.toMatchObject({ code: 'journal_record_not_found', stepId: 'ghost' });
      });

      it('supersedes the records of re-run phases but keeps them as history', async () => {
        const { store } = await open();
        const { run, lease } = await claimedRun(store);
        await journalStep(store, run.id, lease, 'plan', 0, 'plan');
        await journalStep(store, run.id, lease, 'build', 1, 'build');
        await journalStep(store, run.id, lease, 'test', 2, 'test');
        await store.updateRun(run.id, lease, { status: 'completed' });
        const after = await store.invalidatePhases(run.id, ['build', 'test']);
        expect(after).toMatchObject({ status: 'pending', currentPhase: 'build', currentStepIndex: 1 });
        expect((await store.getJournal(run.id)).map((r) => r.stepId)).toEqual(['plan']);
        const history = await store.getJournal(run.id, { includeInvalidated: true });
        expect(
          history
            .filter((r) => r.invalidatedAt !== null)
            .map((r) => r.stepId)
            .sort(),
        ).toEqual(['build', 'test']);
      });

      it('refuses a re-run while a live worker holds the run', async () => {
        const { store } = await open();
        const { run } = await claimedRun(store);
        await expect(store.invalidatePhases(run.id, ['build'])).rejects.toMatchObject({ code: 'invalid_transition' });
      });
    });

    describe('control', () => {
      it('pauses an idle run at once and a held run at its next boundary', async () => {
        const { store } = await open();
        const idle = await store.createRun({ definitionId: 'demo', name: 'idle', args: {} });
        expect(await store.requestPause(idle.id, 'boundary')).toMatchObject({ status: 'paused', pauseRequested: null });
        const { run, lease } = await claimedRun(store);
        await store.updateRun(run.id, lease, { status: 'running' });
        expect(await store.requestPause(run.id, 'now')).toMatchObject({ status: 'running', pauseRequested: 'now' });
        expect(await store.updateRun(run.id, lease, { status: 'paused' })).toMatchObject({
          status: 'paused',
          pauseRequested: null,
          lease: null,
        });
      });

      it('resumes paused and failed runs, and nothing else', async () => {
        const { store } = await open();
        const paused = await store.createRun({ definitionId: 'demo', name: 'p', args: {} });
        await store.requestPause(paused.id, 'boundary');
        expect(await store.resumeRun(paused.id)).toMatchObject({ status: 'pending' });
        const { run, lease } = await claimedRun(store);
        await store.updateRun(run.id, lease, { status: 'failed', error: 'boom' });
        expect(await store.resumeRun(run.id)).toMatchObject({ status: 'pending', error: null });
        await expect(store.resumeRun(run.id)).rejects.toMatchObject({ code: 'invalid_transition' });
      });

      it('cancels an idle run at once, flags a held one, and refuses a finished one', async () => {
        const { store } = await open();
        const idle = await store.createRun({ definitionId: 'demo', name: 'idle', args: {} });
        expect(await store.requestCancel(idle.id)).toMatchObject({ status: 'cancelled' });
        await expect(store.requestCancel(idle.id)).rejects.toMatchObject({ code: 'invalid_transition' });
        const { run, lease } = await claimedRun(store);
        await store.updateRun(run.id, lease, { status: 'running' });
        expect(await store.requestCancel(run.id)).toMatchObject({ status: 'running', cancelRequested: true });
      });

      it('marks the steps of a dead worker cancelled when its run is cancelled', async () => {
        const { store, clock } = await open();
        const { run, lease } = await claimedRun(store, 'dying');
        await store.updateRun(run.id, lease, { status: 'running' });
        await store.startStep(run.id, lease, {
          stepId: 's',
          index: 0,
          name: 's',
          phase: 'p',
          type: 'script',
          input: null,
          attempt: 1,
        });
        clock.advance(TTL);
        expect(await store.requestCancel(run.id)).toMatchObject({ status: 'cancelled' });
        expect((await store.getJournal(run.id))[0]?.status).toBe('cancelled');
      });

      it('approves the gate a waiting run stands at, and only that one', async () => {
        const { store } = await open();
        const { run, lease } = await claimedRun(store);
        await store.updateRun(run.id, lease, { status: 'waiting', waitingGate: 'review' });
        await expect(store.approveGate(run.id, 'deploy')).rejects.toMatchObject({ code: 'invalid_transition' });
        expect(await store.approveGate(run.id, 'review')).toMatchObject({
          status: 'pending',
          approvedGates: ['review'],
          waitingGate: null,
        });
        expect((await store.claimRun(run.id, 'next', TTL))?.lease).toMatchObject({ owner: 'next', epoch: 2 });
      });
    });

    describe('comments', () => {
      it('writes a keyed comment once, and lists comments in the order written', async () => {
        const { store, clock } = await open();
        const run = await store.createRun({ definitionId: 'demo', name: 'r', args: {} });
        const first = await store.addComment({
          runId: run.id,
          stepId: null,
          key: 'k#0',
          text: 'hello',
          type: 'system',
        });
        const again = await store.addComment({
          runId: run.id,
          stepId: null,
          key: 'k#0',
          text: 'hello',
          type: 'system',
        });
        clock.advance(1_000);
        await store.addComment({ runId: run.id, stepId: 'build', key: null, text: 'by a person', type: 'user' });
        expect(first.created).toBe(true);
        expect(again).toMatchObject({ created: false, comment: { id: first.comment.id } });
        expect((await store.listComments(run.id)).map((c) => c.text)).toEqual(['hello', 'by a person']);
      });
    });
  });
}
