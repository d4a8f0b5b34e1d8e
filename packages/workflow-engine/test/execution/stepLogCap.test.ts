/**
 * A step's log has a size cap: past it, one marker in its events file and its progress says so, and the rest of its
 * output is dropped instead of filling the disk and the board's sockets. Its result keeps the tail as before.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { createExecutor } from '../../src/execution/WorkflowExecutor.ts';
import { createMemoryRunStore } from '../../src/storage/MemoryRunStore.ts';
import type { ScriptOutput } from '../../src/types/step.ts';
import { inlineDefinition, recordingSink, tempDir } from '../helpers.ts';

afterEach(() => {
  delete process.env.SWITCHYARD_STEP_LOG_MAX_BYTES;
});

test('a step printing past the cap leaves the cap in its log, then a truncation marker, and its result keeps the tail', async () => {
  process.env.SWITCHYARD_STEP_LOG_MAX_BYTES = '100000';
  const dir = await tempDir();
  const store = createMemoryRunStore();
  const events = recordingSink();
  const executor = createExecutor({ store, events, executionsDir: join(dir, 'executions'), workingDir: dir });
  const definition = await inlineDefinition(dir, 'chatty', {
    name: 'Chatty',
    phases: ['work'],
    async execute(ctx) {
      await ctx.step('chatty', {
        type: 'script',
        phase: 'work',
        command: 'yes 0123456789abcdef | head -c 300000; echo end',
      });
    },
  });
  const run = await executor.run(definition, {});
  expect(run.status).toBe('completed');

  const message = "log truncated: the step's output passed 100000 bytes, and what follows is not kept";
  const logged = (await readFile(join(dir, 'executions', run.id, 'logs', 'chatty', 'events.jsonl'), 'utf8'))
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { type: string; text?: string; message?: string });
  expect(logged.at(-1)).toMatchObject({ type: 'truncated', message });
  const kept = logged.filter((event) => event.type === 'output').reduce((sum, event) => sum + event.text!.length, 0);
  expect(kept).toBeLessThanOrEqual(100_000);

  const progress = events.events.filter((event) => event.type === 'workflow.step.progress');
  expect(progress.at(-1)?.data).toMatchObject({ progress: { kind: 'log', message } });
  const [record] = await store.getJournal(run.id);
  expect((record!.result!.data as ScriptOutput).stdout.endsWith('end\n')).toBe(true);
});
