/**
 * `ctx.waitForEvent`: an event kept in the inbox before the run gets to its wait is taken at once; otherwise the run
 * waits, and an event delivered by `RunStore.deliverEvent` is the step's result; each wait takes an event of its
 * own; a timeout answers the default.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { createExecutor } from '../../src/execution/WorkflowExecutor.ts';
import type { EventInbox, EventQuery, ReceivedEvent } from '../../src/ports.ts';
import { createMemoryRunStore } from '../../src/storage/MemoryRunStore.ts';
import { inlineDefinition, tempDir } from '../helpers.ts';

/** An inbox in memory, matching as the server's does: name, `match` fields, since, not excluded. */
function memoryInbox(): EventInbox & {
  send(runId: string | null, name: string, data: Record<string, unknown>): ReceivedEvent;
} {
  const kept: (ReceivedEvent & { runId: string | null })[] = [];
  return {
    send(runId, name, data) {
      const event = { id: randomUUID(), name, data, receivedAt: new Date().toISOString() };
      kept.push({ ...event, runId });
      return event;
    },
    async findEvent(query: EventQuery) {
      const found = kept.find(
        (e) =>
          e.name === query.name &&
          (e.runId === query.runId || (e.runId === null && e.receivedAt >= query.since)) &&
          !query.exclude.includes(e.id) &&
          Object.entries(query.match).every(([key, value]) => e.data[key] === value),
      );
      if (!found) return undefined;
      const { runId: _runId, ...event } = found;
      return event;
    },
  };
}

async function setup() {
  const dir = await tempDir();
  const store = createMemoryRunStore();
  const inbox = memoryInbox();
  const executor = createExecutor({ store, inbox, executionsDir: join(dir, 'executions'), workingDir: dir });
  return { dir, store, inbox, executor };
}

describe('ctx.waitForEvent', () => {
  test('takes an event sent before the run got to its wait, and each wait takes its own', async () => {
    const t = await setup();
    const definition = await inlineDefinition(t.dir, 'hooks', {
      name: 'Hooks',
      phases: ['deploy'],
      async execute(ctx) {
        const first = await ctx.waitForEvent('deployed', { event: 'deploy.finished', match: { env: 'prod' } });
        const second = await ctx.waitForEvent('deployed-again', { event: 'deploy.finished', match: { env: 'prod' } });
        return [first.data.data, second.data.data];
      },
    });
    const run = await t.executor.start(definition, {});
    // Sent to the run before it ran at all, and to the project: a staging one does not match.
    t.inbox.send(run.id, 'deploy.finished', { env: 'prod', n: 1 });
    t.inbox.send(null, 'deploy.finished', { env: 'staging', n: 2 });
    const waiting = await t.executor.execute(run.id, definition);
    expect(waiting).toMatchObject({ status: 'waiting', wakeAt: null });
    expect((await t.store.getJournal(run.id)).map((r) => [r.stepId, r.type, r.status])).toEqual([
      ['deployed', 'event', 'completed'],
      ['deployed-again', 'event', 'running'],
    ]);

    const late = t.inbox.send(null, 'deploy.finished', { env: 'prod', n: 3 });
    expect(await t.store.deliverEvent(run.id, 'deployed-again', late)).toMatchObject({ status: 'pending' });
    const done = await t.executor.execute(run.id, definition);
    expect(done).toMatchObject({
      status: 'completed',
      output: [
        { env: 'prod', n: 1 },
        { env: 'prod', n: 3 },
      ],
    });
  });

  test('an event kept while the run is already waiting is delivered by the run itself', async () => {
    const t = await setup();
    let calls = 0;
    const racing: EventInbox = {
      // The first look finds nothing; the event comes before the second, made once the run is waiting.
      async findEvent(query) {
        calls++;
        return calls === 1 ? undefined : t.inbox.findEvent(query);
      },
    };
    const executor = createExecutor({ store: t.store, inbox: racing, workingDir: t.dir });
    const definition = await inlineDefinition(t.dir, 'race', {
      name: 'Race',
      phases: ['deploy'],
      async execute(ctx) {
        return (await ctx.waitForEvent('deployed', { event: 'deploy.finished' })).data.name;
      },
    });
    const run = await executor.start(definition, {});
    t.inbox.send(run.id, 'deploy.finished', {});
    await executor.execute(run.id, definition);
    // Not left waiting for an event that is already here: runnable again, and it completes with it.
    expect((await t.store.getRun(run.id))!.status).toBe('pending');
    expect(await executor.execute(run.id, definition)).toMatchObject({
      status: 'completed',
      output: 'deploy.finished',
    });
  });

  test('answers its default when no event comes before the timeout', async () => {
    const t = await setup();
    const definition = await inlineDefinition(t.dir, 'quiet', {
      name: 'Quiet',
      phases: ['deploy'],
      async execute(ctx) {
        return (await ctx.waitForEvent('deployed', { event: 'deploy.finished', timeout: 100, default: { none: true } }))
          .data;
      },
    });
    const waiting = await t.executor.run(definition, {});
    expect(waiting.status).toBe('waiting');
    while (Date.now() < Date.parse(waiting.wakeAt!)) await new Promise((resolve) => setTimeout(resolve, 20));
    const claimed = await t.store.claimNextRun('w', 30_000);
    expect(await t.executor.execute(waiting.id, definition, claimed!)).toMatchObject({
      status: 'completed',
      output: { none: true },
    });
  });
});
