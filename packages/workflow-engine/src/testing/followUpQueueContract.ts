/**
 * The contract every `FollowUpQueue` must meet. An implementation gives a fresh queue and a way to make runs its
 * rows may belong to (a database queue needs a real run row for each):
 *
 * ```ts
 * followUpQueueContract('PGlite', async () => ({ queue: createDatabaseFollowUpQueue(db), newRun: () => insertRun() }));
 * ```
 */
import { describe, expect, it } from 'vitest';
import type { FollowUpQueue } from '../ports.ts';

export interface FollowUpQueueFixture {
  queue: FollowUpQueue;
  /** A run id the queue may hold follow-ups for, new each call. */
  newRun(): Promise<string>;
}

export type FollowUpQueueFactory = () => Promise<FollowUpQueueFixture> | FollowUpQueueFixture;

export function followUpQueueContract(name: string, factory: FollowUpQueueFactory): void {
  describe(`FollowUpQueue contract: ${name}`, () => {
    it('keeps a step’s follow-ups of each kind in the order they came, queued', async () => {
      const { queue, newRun } = await factory();
      const runId = await newRun();
      const first = await queue.enqueue({ runId, stepId: 'ask', kind: 'message', message: 'one' });
      await queue.enqueue({ runId, stepId: 'other', kind: 'message', message: 'elsewhere' });
      await queue.enqueue({ runId, stepId: 'ask', kind: 'changes', message: 'redo', sessionId: 'session-1' });
      await queue.enqueue({ runId, stepId: 'ask', kind: 'message', message: 'two' });
      expect(first).toMatchObject({
        runId,
        stepId: 'ask',
        kind: 'message',
        state: 'queued',
        key: null,
        sessionId: null,
      });
      expect((await queue.pending(runId, 'ask', 'message')).map((f) => f.message)).toEqual(['one', 'two']);
      expect(await queue.pending(runId, 'ask', 'changes')).toMatchObject([{ message: 'redo', sessionId: 'session-1' }]);
      expect((await queue.list(runId)).map((f) => f.message)).toEqual(['one', 'elsewhere', 'redo', 'two']);
      expect(await queue.list(await newRun())).toEqual([]);
    });

    it('delivers a follow-up once it is taken, under the key it was taken with, and keeps that key when taken again', async () => {
      const { queue, newRun } = await factory();
      const runId = await newRun();
      const queued = await queue.enqueue({ runId, stepId: 'ask', kind: 'message', message: 'one' });
      expect(await queue.take(queued.id, 'follow-up:ask:1')).toMatchObject({
        state: 'delivering',
        key: 'follow-up:ask:1',
      });
      // A turn cut short: the resumed step takes it again, and it keeps its key.
      expect(await queue.take(queued.id, 'follow-up:ask:2')).toMatchObject({ key: 'follow-up:ask:1' });
      expect(await queue.pending(runId, 'ask', 'message')).toHaveLength(1);
      await queue.delivered(queued.id);
      expect(await queue.pending(runId, 'ask', 'message')).toEqual([]);
      expect(await queue.take(queued.id, 'follow-up:ask:3')).toBeUndefined();
      expect((await queue.list(runId))[0]).toMatchObject({ state: 'delivered', key: 'follow-up:ask:1' });
    });

    it('cancels only a queued follow-up, and a cancelled one is never taken', async () => {
      const { queue, newRun } = await factory();
      const runId = await newRun();
      const waiting = await queue.enqueue({ runId, stepId: 'ask', kind: 'message', message: 'one' });
      const sending = await queue.enqueue({ runId, stepId: 'ask', kind: 'message', message: 'two' });
      await queue.take(sending.id, 'follow-up:ask:1');
      expect(await queue.cancel(waiting.id)).toMatchObject({ id: waiting.id, state: 'cancelled' });
      expect(await queue.cancel(waiting.id)).toBeUndefined();
      expect(await queue.cancel(sending.id)).toBeUndefined();
      expect(await queue.take(waiting.id, 'follow-up:ask:2')).toBeUndefined();
      expect((await queue.pending(runId, 'ask', 'message')).map((f) => f.message)).toEqual(['two']);
    });
  });
}
