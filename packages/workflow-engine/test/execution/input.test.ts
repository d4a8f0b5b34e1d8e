/**
 * `ctx.waitForInput` and YAML `type: input`: the run waits for a person with the question and its form journaled;
 * an answer journaled by `RunStore.answerInput` is what the step returns, on this replay and every later one; a
 * timeout answers the default, or fails the step without one.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import { InvalidTransitionError, TemplateError } from '../../src/errors.ts';
import { createExecutor } from '../../src/execution/WorkflowExecutor.ts';
import { parseYamlTemplate } from '../../src/parser/YamlParser.ts';
import { createMemoryRunStore } from '../../src/storage/MemoryRunStore.ts';
import { inlineDefinition, tempDir } from '../helpers.ts';

async function setup() {
  const dir = await tempDir();
  const store = createMemoryRunStore();
  const executor = createExecutor({ store, executionsDir: join(dir, 'executions'), workingDir: dir });
  return { dir, store, executor };
}

describe('ctx.waitForInput', () => {
  test('waits with its question and form, and returns the journaled answer', async () => {
    const t = await setup();
    let asked = 0;
    const definition = await inlineDefinition(t.dir, 'ask', {
      name: 'Ask',
      phases: ['review'],
      async execute(ctx) {
        asked++;
        const answer = await ctx.waitForInput<{ approve: boolean; note?: string }>('decide', {
          prompt: 'Ship it?',
          schema: z.object({ approve: z.boolean(), note: z.string().optional() }),
        });
        await ctx.step('after', { phase: 'review', run: () => 'done' });
        return answer.data;
      },
    });
    const waiting = await t.executor.run(definition, {});
    expect(waiting).toMatchObject({ status: 'waiting', waitingGate: null, wakeAt: null, lease: null });
    const [record] = await t.store.getJournal(waiting.id);
    expect(record).toMatchObject({ stepId: 'decide', type: 'input', status: 'running' });
    expect(record!.input).toMatchObject({
      prompt: 'Ship it?',
      schema: { type: 'object', properties: { approve: { type: 'boolean' } }, required: ['approve'] },
    });

    const answered = await t.store.answerInput(waiting.id, 'decide', { approve: true, note: 'go' });
    expect(answered.status).toBe('pending');
    const done = await t.executor.execute(waiting.id, definition);
    expect(done).toMatchObject({ status: 'completed', output: { approve: true, note: 'go' } });
    expect(asked).toBe(2);
    expect((await t.store.getJournal(done.id)).map((r) => [r.stepId, r.status])).toEqual([
      ['decide', 'completed'],
      ['after', 'completed'],
    ]);
    // Once answered it is answered: a second answer is refused, naming the step.
    await expect(t.store.answerInput(waiting.id, 'decide', { approve: false })).rejects.toThrow(InvalidTransitionError);
  });

  test('answers its default when the timeout passes, and fails without one', async () => {
    const t = await setup();
    const withDefault = await inlineDefinition(t.dir, 'timed', {
      name: 'Timed',
      phases: ['review'],
      async execute(ctx) {
        return (
          await ctx.waitForInput('decide', {
            prompt: 'Ship it?',
            schema: z.object({ approve: z.boolean() }),
            timeout: 200,
            default: { approve: false },
          })
        ).data;
      },
    });
    const waiting = await t.executor.run(withDefault, {});
    expect(waiting.status).toBe('waiting');
    const timeoutAt = Date.parse(waiting.wakeAt!);
    while (Date.now() < timeoutAt) await new Promise((resolve) => setTimeout(resolve, 20));
    const claimed = await t.store.claimNextRun('w', 30_000);
    expect(claimed?.run.id).toBe(waiting.id);
    expect(await t.executor.execute(waiting.id, withDefault, claimed!)).toMatchObject({
      status: 'completed',
      output: { approve: false },
    });

    const withoutDefault = await inlineDefinition(t.dir, 'strict', {
      name: 'Strict',
      phases: ['review'],
      async execute(ctx) {
        await ctx.waitForInput('decide', {
          prompt: 'Ship it?',
          schema: z.object({ approve: z.boolean() }),
          timeout: 50,
        });
      },
    });
    const second = await t.executor.run(withoutDefault, {});
    while (Date.now() < Date.parse(second.wakeAt!)) await new Promise((resolve) => setTimeout(resolve, 20));
    const failed = await t.executor.execute(second.id, withoutDefault, (await t.store.claimNextRun('w', 30_000))!);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(/^step "decide" failed: no answer came before .*, and the step has no default$/);
  });
});

describe('YAML type: input', () => {
  const yaml = (defaults = '') => `
name: Release
phases: [review]
steps:
  - id: decide
    phase: review
    type: input
    prompt: Release it?
    fields:
      approve: { type: boolean, required: true, description: Go or no go }
      channel: { type: string, enum: [stable, beta], default: beta }
    timeout: 1h${defaults}
`;

  test('asks with a form built like args, and waits', async () => {
    const t = await setup();
    const path = join(t.dir, 'release.yaml');
    await writeFile(path, yaml());
    const run = await t.executor.run(parseYamlTemplate(yaml(), path), {});
    expect(run.status).toBe('waiting');
    expect((await t.store.getJournal(run.id))[0]!.input).toMatchObject({
      prompt: 'Release it?',
      schema: {
        type: 'object',
        properties: {
          approve: { type: 'boolean', description: 'Go or no go' },
          channel: { type: 'string', enum: ['stable', 'beta'], default: 'beta' },
        },
        required: ['approve'],
      },
    });
  });

  test('names the file, line and column of a default that does not fit the fields', () => {
    let error: unknown;
    try {
      parseYamlTemplate(yaml('\n    default: { approve: maybe }'), 'release.yaml');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(TemplateError);
    expect((error as Error).message).toMatch(/^release\.yaml:13:25 steps\[0\]\.default\.approve: /);
  });
});
