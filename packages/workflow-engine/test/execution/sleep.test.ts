/**
 * `ctx.sleep` and YAML `type: sleep`: the run waits with its wake time, holding no lease; taken up early it waits
 * again for the same time; taken up at its time it completes the sleep and goes on; a replay passes it at once.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { TemplateError } from '../../src/errors.ts';
import { createExecutor } from '../../src/execution/WorkflowExecutor.ts';
import { parseYamlTemplate } from '../../src/parser/YamlParser.ts';
import { createMemoryRunStore } from '../../src/storage/MemoryRunStore.ts';
import { createTestClock } from '../../src/testing/testClock.ts';
import { inlineDefinition, recordingSink, tempDir } from '../helpers.ts';

async function setup() {
  const dir = await tempDir();
  const store = createMemoryRunStore();
  const events = recordingSink();
  const executor = createExecutor({ store, events, executionsDir: join(dir, 'executions'), workingDir: dir });
  return { dir, store, events, executor };
}

describe('ctx.sleep', () => {
  test('waits with its wake time and no lease, and goes on once a worker takes it up at its time', async () => {
    const t = await setup();
    let before = 0;
    let after = 0;
    const definition = await inlineDefinition(t.dir, 'nap', {
      name: 'Nap',
      phases: ['work'],
      async execute(ctx) {
        await ctx.step('before', { phase: 'work', run: () => ++before });
        const slept = await ctx.sleep('nap', 300);
        await ctx.step('after', { phase: 'work', run: () => ++after });
        return slept.data;
      },
    });
    const startedAt = Date.now();
    const waiting = await t.executor.run(definition, {});
    expect(waiting).toMatchObject({ status: 'waiting', lease: null, waitingGate: null });
    const wakeAt = Date.parse(waiting.wakeAt!);
    expect(wakeAt).toBeGreaterThanOrEqual(startedAt + 300);
    expect((await t.store.getJournal(waiting.id)).map((r) => [r.stepId, r.type, r.status])).toEqual([
      ['before', 'function', 'completed'],
      ['nap', 'sleep', 'running'],
    ]);
    // Not runnable before its time: nothing claims it.
    expect(await t.store.claimNextRun('early', 1_000)).toBeUndefined();

    while (Date.now() < wakeAt) await new Promise((resolve) => setTimeout(resolve, 20));
    const claimed = await t.store.claimNextRun('worker', 30_000);
    expect(claimed?.run.id).toBe(waiting.id);
    const done = await t.executor.execute(waiting.id, definition, claimed!);
    expect(done).toMatchObject({ status: 'completed', wakeAt: null, output: { wakeAt: waiting.wakeAt } });
    expect([before, after]).toEqual([1, 1]);
    const nap = (await t.store.getJournal(done.id)).find((r) => r.stepId === 'nap')!;
    expect(nap).toMatchObject({
      status: 'completed',
      type: 'sleep',
      input: { durationMs: 300, wakeAt: waiting.wakeAt },
    });
    expect(Date.parse(nap.finishedAt!)).toBeGreaterThanOrEqual(wakeAt);
    const statuses = t.events.events
      .filter((e) => e.type === 'workflow.execution.status_changed')
      .map((e) => e.data.status);
    expect(statuses).toEqual(['pending', 'running', 'waiting', 'running', 'completed']);
  });

  test('taken up before its time (a restart), it waits again until the journaled wake time', async () => {
    const dir = await tempDir();
    // The store's clock runs an hour ahead, so a worker can claim the run long before the engine's own wake time.
    const clock = createTestClock(new Date());
    const store = createMemoryRunStore({ clock });
    const executor = createExecutor({ store, executionsDir: join(dir, 'executions'), workingDir: dir });
    const definition = await inlineDefinition(dir, 'long-nap', {
      name: 'Long nap',
      phases: ['work'],
      async execute(ctx) {
        await ctx.sleep('nap', '1h');
      },
    });
    const waiting = await executor.run(definition, {});
    clock.advance(3_660_000);
    const claimed = await store.claimNextRun('early', 30_000);
    expect(claimed?.run.id).toBe(waiting.id);
    const again = await executor.execute(waiting.id, definition, claimed!);
    expect(again).toMatchObject({ status: 'waiting', wakeAt: waiting.wakeAt, lease: null });
    expect((await store.getJournal(waiting.id)).map((r) => [r.stepId, r.status, r.attempt])).toEqual([
      ['nap', 'running', 1],
    ]);
  });

  test('refuses a duration that is not one, naming the step', async () => {
    const t = await setup();
    const definition = await inlineDefinition(t.dir, 'bad-nap', {
      name: 'Bad nap',
      phases: ['work'],
      async execute(ctx) {
        await ctx.sleep('nap', 'soon');
      },
    });
    const run = await t.executor.run(definition, {});
    expect(run).toMatchObject({
      status: 'failed',
      error: 'step "nap": a sleep takes milliseconds or a duration such as 30s, 5m or 1h, got "soon"',
    });
  });
});

describe('YAML type: sleep', () => {
  const yaml = (duration: string) => `
name: Cool down
phases: [deploy]
steps:
  - id: cool-down
    phase: deploy
    type: sleep
    duration: ${duration}
`;

  test('compiles to ctx.sleep with the duration in milliseconds', async () => {
    const t = await setup();
    const path = join(t.dir, 'cool-down.yaml');
    await writeFile(path, yaml('250ms'));
    const definition = parseYamlTemplate(yaml('250ms'), path);
    const run = await t.executor.run(definition, {});
    expect(run.status).toBe('waiting');
    expect((await t.store.getJournal(run.id))[0]).toMatchObject({
      stepId: 'cool-down',
      type: 'sleep',
      input: { durationMs: 250 },
    });
  });

  test('names the file, line and column of a duration that is not one', () => {
    let error: unknown;
    try {
      parseYamlTemplate(yaml('later'), 'cool-down.yaml');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(TemplateError);
    expect((error as Error).message).toBe(
      'cool-down.yaml:8:15 steps[0].duration: expected a duration such as 30s, 5m or 1h, or a number of seconds; received string "later"',
    );
  });

  test('requires a duration', () => {
    expect(() => parseYamlTemplate(yaml('10s').replace('    duration: 10s\n', ''), 'c.yaml')).toThrow(
      'c.yaml:5:5 steps[0].duration: is required for a sleep step: a duration such as 30s, 5m or 1h',
    );
  });
});
